"""How long a retention run takes over a large history, and what it removes.

    python bench/retention.py [--messages 1000000] [--conversations 2000] [--batch 500]

Seeds a fresh embedded data directory (SQLite, with its full-text index kept by triggers) with `--messages`
messages spread over `--conversations` staff groups: half the groups fell quiet three years ago (due under the
default 2-year rule: their messages are removed whole), half are in use (kept). One message in 20 has a reaction,
one in 50 an earlier version, one in 1,000 a small file on disk, and one quiet group is under a legal hold. Then
it times, in the same run: the preview (`--dry-run`: counting only; the baseline), and the run itself. Results:
bench/results/retention-<date>.json and one JSON line on stdout.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
RESULTS_DIR = REPO_ROOT / "bench" / "results"
WORDS = ["rota", "trip", "coach", "museum", "parents", "evening", "marking", "report", "cover", "lesson", "plan"]


def setup(data_dir: Path) -> None:
    os.environ["STAFFROOM_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "staffroom.settings")
    sys.path.insert(0, str(REPO_ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def seed(messages: int, conversations: int, today: dt.date) -> dict[str, int]:
    from django.core.files.base import ContentFile
    from django.db import transaction
    from django.utils import timezone

    from staffroom.accounts.models import Organisation, Person, Role, RoleAssignment, School
    from staffroom.messaging.models import Attachment, Conversation, Membership, Message, MessageRevision, Reaction

    org = Organisation.objects.create(name="Bench Trust", slug="bench")
    school = School.objects.create(organisation=org, name="Bench School")
    people = []
    for n in range(20):
        person = Person.objects.create_user(
            f"staff{n}@bench.example", None, organisation=org, school=school, name=f"Staff {n}"
        )
        RoleAssignment.objects.create(person=person, school=school, role=Role.TEACHER)
        people.append(person)
    dpo = Person.objects.create_user("dpo@bench.example", None, organisation=org, school=school, name="DPO")
    RoleAssignment.objects.create(person=dpo, school=None, role=Role.DPO)

    now = timezone.make_aware(dt.datetime.combine(today, dt.time(12)))
    quiet_end = now - dt.timedelta(days=3 * 365)
    groups = Conversation.objects.bulk_create(
        Conversation(organisation=org, school=school, kind="group", title=f"Group {i}", created_by=people[0],
                     created_at=quiet_end - dt.timedelta(days=400))
        for i in range(conversations)
    )  # fmt: skip
    Membership.objects.bulk_create(
        Membership(conversation=g, person=people[(g.pk + k) % len(people)]) for g in groups for k in range(3)
    )
    per_group = messages // conversations
    chunk: list[Message] = []
    made = 0

    def flush() -> None:
        with transaction.atomic():
            Message.objects.bulk_create(chunk, batch_size=2000)
        chunk.clear()

    for index, group in enumerate(groups):
        quiet = index % 2 == 0
        end = quiet_end if quiet else now - dt.timedelta(days=1)
        for k in range(per_group):
            when = end - dt.timedelta(minutes=(per_group - k) * 7)
            body = f"{WORDS[(made + k) % len(WORDS)]} {WORDS[(made * 7 + k) % len(WORDS)]} message {made + k}"
            chunk.append(Message(conversation=group, author=people[(index + k) % len(people)], body=body,
                                 html=f"<p>{body}</p>", created_at=when))  # fmt: skip
            if len(chunk) >= 20_000:
                flush()
        made += per_group
    if chunk:
        flush()
    for group in groups:
        last = Message.objects.filter(conversation=group).order_by("-id").values_list("created_at", flat=True).first()
        Conversation.objects.filter(pk=group.pk).update(last_message_at=last)

    ids = list(Message.objects.order_by("id").values_list("id", "author_id", "created_at"))
    with transaction.atomic():
        Reaction.objects.bulk_create(
            (Reaction(message_id=m, person=people[(a + 1) % len(people)], emoji="👍") for m, a, _ in ids[::20]),
            batch_size=5000,
        )
        MessageRevision.objects.bulk_create(
            (
                MessageRevision(
                    message_id=m, body="earlier", html="<p>earlier</p>", written_at=c, replaced_at=c, replaced_by_id=a
                )
                for m, a, c in ids[::50]
            ),
            batch_size=5000,
        )
    files = 0
    for m, a, _created in ids[::1000]:
        attachment = Attachment(organisation=org, uploaded_by_id=a, message_id=m, filename="note.txt",
                                content_type="text/plain", size=5, sha256="0" * 64)  # fmt: skip
        attachment.file.save("note.txt", ContentFile(b"notes"), save=False)
        attachment.save()
        files += 1
    return {"messages": len(ids), "conversations": conversations, "files": files, "quiet_group": groups[0].pk,
            "organisation_id": org.pk, "dpo_id": dpo.pk}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--conversations", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--keep", action="store_true", help="Keep the scratch data directory (its path is printed).")
    options = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="staffroom-retention-bench-")
    data_dir = Path(tmp) / "data"
    setup(data_dir)

    from staffroom.accounts.actors import Service, ServiceActor
    from staffroom.accounts.models import Person
    from staffroom.compliance import actions

    today = dt.date.today()
    started = time.monotonic()
    seeded = seed(options.messages, options.conversations, today)
    seed_seconds = time.monotonic() - started
    print(f"seeded {seeded['messages']:,} messages in {seed_seconds:.1f} s", file=sys.stderr)
    dpo = Person.objects.get(pk=seeded["dpo_id"])
    actions.place_hold(acting=dpo, reason="bench", conversation_ids=[seeded["quiet_group"]])
    service = ServiceActor(Service.RETENTION, seeded["organisation_id"])

    timings = {}
    for name, dry_run in (("dry_run", True), ("run", False)):
        started = time.monotonic()
        if os.environ.get("BENCH_PROFILE") == name:
            import cProfile
            import pstats

            profile = cProfile.Profile()
            run = profile.runcall(
                actions.run_retention, acting=service, today=today, dry_run=dry_run, batch=options.batch
            )
            pstats.Stats(profile, stream=sys.stderr).sort_stats("cumulative").print_stats(35)
        else:
            run = actions.run_retention(acting=service, today=today, dry_run=dry_run, batch=options.batch)
        timings[name] = {"seconds": round(time.monotonic() - started, 2), "counts": run.counts}
        print(f"{name:8} {timings[name]['seconds']:8.2f} s  {run.counts}", file=sys.stderr)
    from staffroom.messaging.models import Message

    result = {
        "messages": seeded["messages"], "conversations": seeded["conversations"], "files": seeded["files"],
        "batch": options.batch, "seed_seconds": round(seed_seconds, 1), "dry_run": timings["dry_run"],
        "run": timings["run"], "left": Message.objects.count(),
        "messages_per_second": round(timings["run"]["counts"]["messages"] / max(timings["run"]["seconds"], 0.001)),
        "database": "sqlite",
    }  # fmt: skip
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"retention-{dt.date.today().isoformat()}-{seeded['messages']}.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result))
    if options.keep:
        print(f"data directory kept at {data_dir}", file=sys.stderr)
    else:
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
