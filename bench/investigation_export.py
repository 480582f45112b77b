"""How long an approved investigation export takes over a large message table.

    python bench/investigation_export.py [--messages 1000000] [--conversations 2000] [--people 400]

Seeds a fresh embedded data directory (STAFFROOM_DATA_DIR in a temporary folder; nothing of the developer's
data is touched) with one trust of two schools, `--people` staff, `--conversations` groups and `--messages`
messages written with bulk_create over two years (one conversation holds a tenth of them; 1 in 100 edited
with an earlier version kept, 1 in 200 deleted). Then, through the real actions (request, a second person's
approval, download with edit and delete history), times the export of:

- `people_year`: 10 people over one year (every conversation);
- `large_conversation`: the one large conversation, all time;
- `words`: one word across the trust over one month (full-text search).

Each also counts its scope's messages (the query alone, no ZIP): the baseline in the same run.

Prints one JSON object (also written to bench/results/investigation-export-<messages>-<date>.json).
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
WORDS = [
    *("budget", "timetable", "cover", "lesson", "parents", "meeting", "report", "marking", "trip", "assembly"),
    *("detention", "uniform", "exam", "results", "homework", "rota", "playground", "lunch", "staffing"),
    *("training", "inspection", "governors", "policy"),
]
BATCH = 10_000


def setup(data_dir: Path) -> None:
    os.environ["STAFFROOM_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "staffroom.settings")
    sys.path.insert(0, str(REPO_ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def seed(messages: int, conversations: int, people: int) -> dict[str, object]:
    from django.utils import timezone

    from staffroom.accounts.models import Organisation, Person, Role, RoleAssignment, School
    from staffroom.messaging.models import Conversation, Membership, Message, MessageRevision

    rng = random.Random(7)
    org = Organisation.objects.create(name="Bench Trust", slug="bench")
    schools = [School.objects.create(organisation=org, name=f"Bench School {i}") for i in (1, 2)]
    staff = Person.objects.bulk_create(
        Person(
            email=f"staff{i}@bench.example",
            name=f"Staff {i:04d}",
            handle=f"staff{i}",
            organisation=org,
            school=schools[i % 2],
            password="!",
        )
        for i in range(people)
    )
    RoleAssignment.objects.bulk_create(RoleAssignment(person=p, school=p.school, role=Role.TEACHER) for p in staff)
    dpos = Person.objects.bulk_create(
        Person(email=f"dpo{i}@bench.example", name=f"DPO {i}", handle=f"dpo{i}", organisation=org, password="!")
        for i in (1, 2)
    )
    RoleAssignment.objects.bulk_create(RoleAssignment(person=p, school=None, role=Role.DPO) for p in dpos)
    start = timezone.now() - dt.timedelta(days=730)
    convs = Conversation.objects.bulk_create(
        Conversation(organisation=org, school=schools[i % 2], kind="group", title=f"Group {i:05d}", created_at=start)
        for i in range(conversations)
    )
    members: dict[int, list[int]] = {}
    rows = []
    for conv in convs:
        school_staff = [p.pk for p in staff if p.school_id == conv.school_id]
        chosen = rng.sample(school_staff, min(len(school_staff), 8))
        members[conv.pk] = chosen
        rows += [Membership(conversation=conv, person_id=pid) for pid in chosen]
    Membership.objects.bulk_create(rows, batch_size=BATCH)
    large = convs[0]
    members[large.pk] = [p.pk for p in staff if p.school_id == large.school_id]
    Membership.objects.bulk_create(
        [Membership(conversation=large, person_id=pid) for pid in members[large.pk]], ignore_conflicts=True
    )

    seconds = 730 * 86400
    started = time.monotonic()
    made = 0
    while made < messages:
        batch = []
        for _ in range(min(BATCH, messages - made)):
            conv = large if rng.random() < 0.1 else convs[rng.randrange(len(convs))]
            body = " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 16)))
            when = start + dt.timedelta(seconds=rng.randrange(seconds))
            deleted = when if rng.random() < 0.005 else None
            batch.append(Message(conversation_id=conv.pk, author_id=rng.choice(members[conv.pk]), body=body,
                                 html=f"<p>{body}</p>", created_at=when, deleted_at=deleted,
                                 edited_at=when if rng.random() < 0.01 else None))  # fmt: skip
            made += 1
        created = Message.objects.bulk_create(batch)
        MessageRevision.objects.bulk_create(
            MessageRevision(
                message=m,
                body="earlier " + m.body,
                html="",
                written_at=m.created_at,
                replaced_at=m.created_at,
                replaced_by_id=m.author_id,
            )
            for m in created
            if m.edited_at
        )
    return {"org": org, "dpos": dpos, "staff": staff, "large": large, "seed_seconds": time.monotonic() - started,
            "schools": schools}  # fmt: skip


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def run_export(world: dict, out_dir: Path, name: str, **scope: object) -> dict[str, object]:
    from staffroom.compliance import actions
    from staffroom.compliance.investigations import scope_messages

    requester, approver = world["dpos"]
    export = actions.request_investigation_export(acting=requester, reason=f"Benchmark: {name}", **scope)
    actions.approve_investigation_export(export.pk, acting=approver)
    started = time.monotonic()
    count = scope_messages(export).count()
    counted = time.monotonic() - started
    path = out_dir / f"{name}.zip"
    started = time.monotonic()
    with path.open("wb") as target:
        summary = actions.download_investigation_export(export.pk, acting=requester, target=target)
    took = time.monotonic() - started
    size = path.stat().st_size
    path.unlink()
    return {"messages": summary.messages, "conversations": summary.conversations, "count_seconds": round(counted, 2),
            "export_seconds": round(took, 2), "zip_mb": round(size / 1e6, 1),
            "messages_per_second": round(summary.messages / took) if took else None,
            "peak_rss_mb": peak_rss_mb(), "matching": count}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--conversations", type=int, default=2000)
    parser.add_argument("--people", type=int, default=400)
    parser.add_argument("--no-save", action="store_true", help="Print only; do not write bench/results.")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="staffroom-investigation-bench-") as tmp:
        setup(Path(tmp) / "data")
        from django.db import connection
        from django.utils import timezone

        world = seed(options.messages, options.conversations, options.people)
        today = timezone.localdate()
        year_ago = today - dt.timedelta(days=365)
        month_ago = today - dt.timedelta(days=30)
        ten = [p.pk for p in world["staff"][:10]]
        results = {
            "people_year": run_export(
                world, Path(tmp), "people_year", person_ids=ten, date_from=year_ago, date_to=today
            ),
            "large_conversation": run_export(
                world, Path(tmp), "large_conversation", conversation_ids=[world["large"].pk]
            ),
            "words": run_export(world, Path(tmp), "words", words=["inspection"], date_from=month_ago, date_to=today),
        }
        report = {
            "benchmark": "investigation_export",
            "date": dt.date.today().isoformat(),
            "database": connection.vendor,
            "messages": options.messages,
            "conversations": options.conversations,
            "people": options.people,
            "seed_seconds": round(world["seed_seconds"], 1),
            "exports": results,
            "cpu_count": os.cpu_count(),
        }
    print(json.dumps(report, indent=2))
    if not options.no_save:
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        path = RESULTS_DIR / f"investigation-export-{options.messages}-{report['date']}.json"
        path.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
