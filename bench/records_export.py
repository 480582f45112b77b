"""How long a subject access request's export takes over a large organisation: finding what the subject wrote
and what mentions or names them, then writing the ZIP (redacted HTML, JSON, manifest).

    python bench/records_export.py [--messages 1000000] [--people 300] [--share 0.01]

Builds a fresh embedded data directory (STAFFROOM_DATA_DIR, a temporary folder: never ./var), migrates, makes
one organisation with `--people` staff in 60 conversations, and writes `--messages` messages with
`bulk_create` (the search index fills through its triggers, as for sent messages), of which about `--share`
involve the subject: half written by them, a third naming them ("Sam Subject"), the rest mentioning them
(`@handle`). Many messages name other staff, so the redaction has work to do.

Then it times, in the same run:
  - `count`: the baseline, `SELECT count(*)` over every message of the organisation (a full pass);
  - `find`: the request's query (author, mentions, the name through the search index), counted;
  - `export`: `actions.export_sar` as the DPO: the whole ZIP written (with each message redacted), the request
    updated and the export audited, exactly as the API's download does.

Prints one JSON object (also written to bench/results/records-export-<messages>-<date>.json).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
RESULTS_DIR = REPO_ROOT / "bench" / "results"
BATCH = 20_000
WORDS = [
    "timetable", "cover", "lesson", "marking", "report", "trip", "parents", "meeting", "budget", "duty", "assembly",
    "register", "homework", "exam", "moderation", "planning", "training", "uniform", "detention", "reading",
]  # fmt: skip


def setup(data_dir: Path) -> None:
    os.environ["STAFFROOM_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "staffroom.settings")
    sys.path.insert(0, str(REPO_ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def seed(messages: int, people: int, share: float, seed_value: int = 7) -> dict[str, object]:
    from django.db import connection, transaction
    from django.utils import timezone

    from staffroom.accounts.models import Organisation, Person, Role, RoleAssignment, School
    from staffroom.messaging.models import Conversation, Membership, Message

    rng = random.Random(seed_value)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:  # a scratch database: no need to wait for the disk while seeding
            cursor.execute("PRAGMA synchronous=OFF")
    org = Organisation.objects.create(name="Bench Trust", slug="bench")
    school = School.objects.create(organisation=org, name="Bench High")
    first = ["Alex", "Bea", "Cal", "Dana", "Eli", "Fay", "Gus", "Hal", "Ivy", "Jo", "Kit", "Lee", "Mo", "Nia"]
    last = ["Adams", "Brown", "Clarke", "Davies", "Evans", "Fisher", "Green", "Hughes", "Islam", "Jones"]
    staff = []
    for n in range(people):
        name = f"{first[n % len(first)]} {last[n // len(first) % len(last)]}{n}"
        person = Person.objects.create_user(f"p{n}@bench.example", None, organisation=org, school=school, name=name)
        RoleAssignment.objects.create(person=person, school=school, role=Role.TEACHER)
        staff.append(person)
    subject = Person.objects.create_user("subject@bench.example", None, organisation=org, school=school,
                                         name="Sam Subject")  # fmt: skip
    RoleAssignment.objects.create(person=subject, school=school, role=Role.TEACHER)
    dpo = Person.objects.create_user("dpo@bench.example", None, organisation=org, school=school, name="Dee Pio")
    RoleAssignment.objects.create(person=dpo, school=None, role=Role.DPO)
    conversations = [
        Conversation.objects.create(organisation=org, school=school, kind="group", title=f"Group {i}")
        for i in range(60)
    ]
    for conversation in conversations[:20]:
        Membership.objects.create(conversation=conversation, person=subject)
    start = timezone.now() - dt.timedelta(days=730)
    step = dt.timedelta(days=730) / max(messages, 1)
    wrote = named = mentioned = 0
    mention_rows: list[tuple[int, int]] = []
    started = time.monotonic()
    made = 0
    while made < messages:
        batch = []
        for i in range(made, min(messages, made + BATCH)):
            roll = rng.random()
            conversation = conversations[i % 60]
            other = staff[rng.randrange(people)]
            text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 14)))
            author = other
            if roll < share / 2:
                author, wrote = subject, wrote + 1
                text = f"I asked {staff[rng.randrange(people)].name} about the {text}. Thanks."
            elif roll < share * 5 / 6:
                named += 1
                text = f"The {text}. I spoke to Sam Subject about it. {staff[rng.randrange(people)].name} agreed."
            elif roll < share:
                mentioned += 1
                text = f"@sam-subject can you check the {text}?"
                mention_rows.append((i, subject.pk))
            elif roll < 0.2:
                text = f"{text} with {staff[rng.randrange(people)].name}"
            batch.append(Message(conversation=conversation, author=author, body=text, html=f"<p>{text}</p>",
                                 created_at=start + step * i))  # fmt: skip
        with transaction.atomic():
            created = Message.objects.bulk_create(batch)
            by_index = {made + k: m.pk for k, m in enumerate(created)}
            through = Message.mentions.through
            through.objects.bulk_create(
                [through(message_id=by_index[i], person_id=p) for i, p in mention_rows if i in by_index]
            )
        mention_rows = [(i, p) for i, p in mention_rows if i not in by_index]
        made += len(batch)
        print(f"  seeded {made:,}", file=sys.stderr, end="\r")
    print(file=sys.stderr)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
            cursor.execute("PRAGMA synchronous=NORMAL")
    return {"seconds": round(time.monotonic() - started, 1), "subject_wrote": wrote, "subject_named": named,
            "subject_mentioned": mentioned, "subject_id": subject.pk, "dpo_id": dpo.pk}  # fmt: skip


def measure(seeded: dict[str, object]) -> dict[str, object]:
    from staffroom.accounts.models import Person
    from staffroom.compliance import actions, sar
    from staffroom.compliance.bundle import check_bundle
    from staffroom.messaging.models import Message

    dpo = Person.objects.get(pk=seeded["dpo_id"])
    subject = Person.objects.get(pk=seeded["subject_id"])

    started = time.monotonic()
    total = Message.objects.filter(conversation__organisation_id=dpo.organisation_id).count()
    count_s = time.monotonic() - started

    request = actions.log_sar(acting=dpo, subject_id=subject.pk, received_on=dt.date.today(),
                              reason="Bench: every message about me", identity_checked=True)  # fmt: skip
    started = time.monotonic()
    found = sar.found_messages(request).count()
    find_s = time.monotonic() - started

    started = time.monotonic()
    response, summary = actions.export_sar(request.pk, acting=dpo)
    export_s = time.monotonic() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    spool = response.file_to_stream
    spool.seek(0, os.SEEK_END)
    size = spool.tell()
    spool.seek(0)
    intact = check_bundle(spool) == []
    response.close()
    return {
        "messages_total": total, "messages_found": found, "messages_exported": summary.messages,
        "conversations": summary.conversations, "zip_bytes": size, "manifest_intact": intact,
        "count_baseline_s": round(count_s, 3), "find_s": round(find_s, 3), "export_s": round(export_s, 2),
        "export_per_found_message_ms": round(export_s * 1000 / max(summary.messages, 1), 3),
        "process_peak_rss_mb": round(peak / 2**20, 1),
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--people", type=int, default=300)
    parser.add_argument("--share", type=float, default=0.01, help="Share of messages involving the subject.")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="staffroom-sar-bench-") as tmp:
        setup(Path(tmp))
        seeded = seed(options.messages, options.people, options.share)
        result = {
            "bench": "records_export (subject access request)",
            "date": dt.date.today().isoformat(),
            "database": "sqlite (embedded)",
            "people": options.people,
            "seed_s": seeded["seconds"],
            "subject": {k: seeded[k] for k in ("subject_wrote", "subject_named", "subject_mentioned")},
            **measure(seeded),
        }
    print(json.dumps(result, indent=2))
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    out = RESULTS_DIR / f"records-export-{options.messages}-{result['date']}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
