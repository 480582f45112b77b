"""Many distinct people for a fan-out benchmark, written straight into a Staffroom server's database.

Run by bench/fanout.py as `staffroom shell -c <this file>` with the server's environment and a JSON spec in
BENCH_PEOPLE: {"prefix": "r1a2", "groups": 50, "members": 20}. It creates `groups` channels in the demo
trust's first school, each with `members` new teachers of their own (groups x members people in all), and an
API token for each, and prints {"groups": [{"conversation_id": c, "people": [{"id": p, "token": t}, ...]}]}.

Bulk inserts instead of the actions: creating 2,000 people through the actions (password hashing, an audit
entry and an event each) would take longer than the measurement, and what is measured is the sending, not the
joining. Nothing here is imported by Staffroom itself.
"""

import json
import os

from django.contrib.auth.hashers import make_password
from django.db import transaction

from staffroom.accounts.models import ApiToken, Organisation, Person, Role, RoleAssignment, School, hash_token
from staffroom.messaging.models import Conversation, Membership

spec = json.loads(os.environ["BENCH_PEOPLE"])
prefix, groups, members = str(spec["prefix"]), int(spec["groups"]), int(spec["members"])
organisation = Organisation.objects.order_by("id").first()
assert organisation is not None, "seed the demo organisation first"
school = School.objects.filter(organisation=organisation).order_by("id").first()
unusable = make_password(None)  # no password sign-in; these people use their API tokens

with transaction.atomic():
    people = Person.objects.bulk_create(
        Person(
            organisation=organisation,
            school=school,
            email=f"bench-{prefix}-{i}@bench.invalid",
            name=f"Bench {prefix} person {i}",
            handle=f"bench-{prefix}-{i}",
            password=unusable,
        )
        for i in range(groups * members)
    )
    RoleAssignment.objects.bulk_create(RoleAssignment(person=p, school=school, role=Role.TEACHER) for p in people)
    conversations = Conversation.objects.bulk_create(
        Conversation(
            organisation=organisation,
            school=school,
            kind=Conversation.Kind.CHANNEL,
            title=f"Bench {prefix} group {g}",
            created_by=people[g * members],
        )
        for g in range(groups)
    )
    Membership.objects.bulk_create(
        Membership(
            conversation=conversations[g],
            person=people[g * members + m],
            role=Membership.Role.OWNER if m == 0 else Membership.Role.MEMBER,
        )
        for g in range(groups)
        for m in range(members)
    )
    raw_tokens = [ApiToken.new_raw() for _ in people]
    ApiToken.objects.bulk_create(
        ApiToken(person=p, key_hash=hash_token(raw), label="bench") for p, raw in zip(people, raw_tokens, strict=True)
    )

print(
    json.dumps(
        {
            "groups": [
                {
                    "conversation_id": conversations[g].pk,
                    "people": [
                        {"id": people[g * members + m].pk, "token": raw_tokens[g * members + m]} for m in range(members)
                    ],
                }
                for g in range(groups)
            ]
        }
    )
)
