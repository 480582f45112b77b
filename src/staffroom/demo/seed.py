"""The demo organisation of DESIGN.md: Oakfield Academy Trust, so a newcomer sees a living school at once.

People are named by their role rather than given invented personal names. Logins are fixed (they are part of
the contract other tools rely on); the password comes from STAFFROOM_DEMO_PASSWORD or is generated.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from staffroom.accounts.models import (
    Organisation,
    Person,
    Role,
    RoleAssignment,
    School,
    SchoolClass,
    SecondFactorRule,
)
from staffroom.compliance import audit
from staffroom.compliance.audit import AuditAction
from staffroom.messaging import actions
from staffroom.messaging.models import Conversation, Message

DOMAIN = "oakfield.example"
SLUG = "oakfield"

# login, name, school ("primary", "high" or None for trust-wide), roles
PEOPLE: list[tuple[str, str, str | None, tuple[Role, ...]]] = [
    ("admin", "IT Admin", None, (Role.IT_ADMIN,)),
    ("head", "Headteacher", "high", (Role.HEADTEACHER,)),
    ("dpo", "Data Protection Officer", None, (Role.DPO,)),
    ("dsl", "Safeguarding Lead", "high", (Role.DSL, Role.TEACHER)),
    ("teacher1", "Teacher One", "high", (Role.TEACHER,)),
    ("teacher2", "Teacher Two", "high", (Role.TEACHER,)),
    ("ta1", "Teaching Assistant One", "high", (Role.TEACHING_ASSISTANT,)),
    ("office1", "Office Staff One", "primary", (Role.SUPPORT_STAFF,)),
    ("governor1", "Governor One", "high", (Role.GOVERNOR,)),
    ("pupil1", "Pupil One", "high", (Role.PUPIL,)),
    ("pupil2", "Pupil Two", "high", (Role.PUPIL,)),
    ("leaver1", "Former Teacher", "high", (Role.TEACHER,)),
]


@dataclass
class Seeded:
    created: bool
    password: str | None
    generated_password: bool


def seed(password: str = "") -> Seeded:
    """Create the demo organisation unless it exists. Returns the password used when it was created now."""
    if Organisation.objects.filter(slug=SLUG).exists():
        return Seeded(created=False, password=None, generated_password=False)
    generated = not password
    password = password or secrets.token_urlsafe(12)
    with audit.origin("cli"), transaction.atomic():
        _seed(password)
    return Seeded(created=True, password=password, generated_password=generated)


def _seed(password: str) -> None:
    org = Organisation.objects.create(name="Oakfield Academy Trust", slug=SLUG)
    schools = {
        "primary": School.objects.create(organisation=org, name="Oakfield Primary"),
        "high": School.objects.create(organisation=org, name="Oakfield High"),
    }
    klass = SchoolClass.objects.create(school=schools["high"], name="9X Science", year_group="Year 9")
    people: dict[str, Person] = {}
    for login, name, school_key, roles in PEOPLE:
        school = schools[school_key] if school_key else schools["high"]
        person = Person.objects.create_user(
            f"{login}@{DOMAIN}",
            password,
            organisation=org,
            school=school,
            name=name,
            year_group="Year 9" if Role.PUPIL in roles else "",
        )
        for role in roles:
            RoleAssignment.objects.create(person=person, school=None if school_key is None else school, role=role)
        people[login] = person
    for pupil in ("pupil1", "pupil2"):
        people[pupil].classes.add(klass)
    p = people
    admin = p["admin"]
    audit.record(admin, AuditAction.ORGANISATION_SEEDED, target=org, data={"demo": True})

    staff_high = [p[k] for k in ("head", "dsl", "teacher1", "teacher2", "ta1", "governor1", "leaver1")]
    all_staff = [*staff_high, p["dpo"], p["office1"]]

    def ids(people_list: list[Person]) -> list[int]:
        return [x.pk for x in people_list]

    staffroom = actions.create_conversation(
        acting=admin, kind="channel", title="Staffroom", trust_wide=True,
        description="Trust-wide chat for all staff.", member_ids=ids(all_staff),
    )  # fmt: skip
    high = actions.create_conversation(
        acting=p["head"], kind="channel", title="Oakfield High staff",
        description="Day-to-day running of Oakfield High.", member_ids=ids(staff_high),
    )  # fmt: skip
    actions.create_conversation(
        acting=p["office1"], kind="channel", title="Trips and visits", school=schools["primary"],
        description="Planning school trips and visitors.", member_ids=[],
    )  # fmt: skip
    year9 = actions.create_conversation(
        acting=p["teacher1"], kind="group", title="Year 9 team",
        member_ids=ids([p["teacher2"], p["ta1"], p["head"], p["dsl"]]),
    )  # fmt: skip
    direct = actions.create_conversation(acting=p["teacher1"], kind="direct", member_ids=[p["teacher2"].pk])
    notices = actions.create_conversation(
        acting=p["head"], kind="announcement", title="Headteacher's notices",
        description="Notices for all staff. Please acknowledge each one.", member_ids=ids([*staff_high, p["dpo"]]),
    )  # fmt: skip
    science = actions.create_conversation(
        acting=p["teacher1"], kind="class", title="9X Science", school_class=klass, member_ids=[p["ta1"].pk]
    )

    script: list[tuple[Conversation, Person, str]] = [
        (staffroom, admin, "Welcome to Staffroom, the trust's own chat. Please use it instead of WhatsApp groups."),
        (staffroom, p["head"], "Thank you. Staff briefing is at **8:15** on Monday in the library."),
        (staffroom, p["office1"], "The photocopier on the first floor is fixed."),
        (high, p["head"], "Reminder: reports for Year 11 are due on Friday."),
        (high, p["teacher2"], "Could someone cover my period 3 on Thursday? I am on the trip."),
        (high, p["teacher1"], "I can cover it, @teacher-two."),
        (year9, p["teacher1"], "Parents' evening slots are open. Please add yours to the shared list."),
        (year9, p["ta1"], "I have added mine. Should I sit with the SEN pupils' families?"),
        (year9, p["dsl"], "Yes please. Talk to me first if anything is a concern."),
        (direct, p["teacher1"], "Are we still swapping rooms on Wednesday?"),
        (direct, p["teacher2"], "Yes, I'll be in S4 and you can have the lab."),
        (science, p["teacher1"], "Homework: read pages 42-45 and answer questions 1-3 by Tuesday."),
        (science, p["pupil1"], "Miss, is question 3 the one about photosynthesis?"),
        (science, p["teacher1"], "Yes, that's the one."),
    ]
    sent: list[Message] = []
    for conversation, author, body in script:
        message, _ = actions.send_message(conversation, acting=author, body=body)
        sent.append(message)
    actions.react(sent[1], "👍", acting=p["teacher1"])
    actions.react(sent[1], "👍", acting=p["office1"])
    actions.send_message(high, acting=p["teacher2"], body="Thanks!", reply_to_id=sent[5].pk)

    notice, _ = actions.send_message(
        notices,
        acting=p["head"],
        body=(
            "**Updated safeguarding policy**\n\nThe trust's safeguarding policy has been updated for this year's "
            "Keeping Children Safe in Education. Please read it and acknowledge this notice by Friday."
        ),
    )
    for login in ("teacher1", "dsl"):
        actions.acknowledge(notice, acting=p[login])

    # Spread the history over the last few days so it reads like a real school week.
    now = timezone.now()
    messages = list(Message.objects.filter(conversation__organisation=org).order_by("id"))
    for index, message in enumerate(messages):
        message.created_at = now - timedelta(hours=2 * (len(messages) - index))
    Message.objects.bulk_update(messages, ["created_at"])
    for conversation in Conversation.objects.filter(organisation=org):
        last = conversation.messages.order_by("-id").first()
        conversation.last_message_at = last.created_at if last else None
        conversation.save(update_fields=["last_message_at"])

    _concerns(p, science)
    year9 = Conversation.objects.get(organisation=org, title="Year 9 team")
    actions.request_external(
        acting=p["teacher1"],
        name="Visiting Speech and Language Therapist",
        email="therapist@nhs-trust.example",
        organisation_name="Local NHS Trust",
        reason="Weekly sessions with two Year 9 pupils; needs to coordinate with the Year 9 team.",
        conversation_ids=[year9.pk],
    )
    from staffroom.accounts import actions as account_actions

    account_actions.deactivate_person(p["leaver1"], acting=admin, reason="Left the school at the end of term.")
    _policies(p)
    # Every demo login works with the shared demo password alone, so anyone can try each role at once (and the
    # browser tests, load tests and benchmarks sign leaders in by password). A real organisation requires a
    # second step of its leaders by default; the demo's admin can turn that on at /admin/sign-in/.
    account_actions.set_second_factor_rule(SecondFactorRule.NOBODY, acting=admin)


def _concerns(p: dict[str, Person], science: Conversation) -> None:
    """The safeguarding lead's queue at Oakfield High, one concern in each state, all from pupils' messages in
    9X Science and made as they would be in use: the detectors raise four as the messages are sent (the school's
    default policy posts a pupil's message and raises a concern); a pupil reports the fifth; the lead works them."""
    from staffroom.safeguarding import actions as safeguarding_actions
    from staffroom.safeguarding.models import Concern

    dsl = p["dsl"]

    def raised(author: str, body: str) -> Concern:
        message, _ = actions.send_message(science, acting=p[author], body=body)
        return Concern.objects.get(message=message)

    # Closed with an outcome (drugs, medium).
    closed = raised("pupil2", "Someone at the bus stop keeps offering us vapes with weed in them")
    safeguarding_actions.update_concern(closed.pk, acting=dsl, assigned_to=dsl.pk, status="reviewed")
    safeguarding_actions.update_concern(
        closed.pk, acting=dsl, status="closed",
        outcome="Spoke with Pupil Two and a parent. Shared the bus stop's location with the school's police "
        "community support officer, who now passes at home time. No further action for the school.",
    )  # fmt: skip
    # Escalated, with the referral recorded (grooming, high).
    escalated = raised("pupil1", "A man I met online keeps asking me to send him pictures and said not to tell my mum")
    safeguarding_actions.update_concern(
        escalated.pk, acting=dsl, assigned_to=dsl.pk,
        note="Spoke with Pupil One in the pastoral office with their form tutor present. Nothing was sent.",
    )  # fmt: skip
    safeguarding_actions.update_concern(
        escalated.pk, acting=dsl, status="escalated",
        referral="Children's services front door (MASH), reference MASH-2026-0417, and a CEOP report. "
        "Parents informed with the MASH social worker's agreement.",
    )  # fmt: skip
    # Assigned, with notes (bullying, medium).
    assigned = raised("pupil1", "They keep picking on me at break and call me names every day")
    safeguarding_actions.update_concern(
        assigned.pk, acting=dsl, assigned_to=dsl.pk,
        note="Asked the duty staff to keep an eye on the Year 9 area at break this week.",
    )  # fmt: skip
    safeguarding_actions.update_concern(
        assigned.pk, acting=dsl, note="Form tutor to check in with Pupil One on Friday and report back."
    )
    # Reported by a pupil, with a note of what the message does not say. No phrase rule matches it (the text
    # model may read it as bullying too, depending on its training: then it raises a concern of its own).
    unkind, _ = actions.send_message(
        science,
        acting=p["pupil2"],
        body="Don't bother coming to the party on Saturday, everyone said they don't want you there",
    )
    safeguarding_actions.report_concern(
        unkind, acting=p["pupil1"], category="bullying",
        note="This was meant for me. It keeps happening and I don't want to come to science any more.",
    )  # fmt: skip
    # New and high severity, untouched: the first thing the lead sees (self-harm).
    raised("pupil2", "I don't want to be here anymore, I want to end my life")


# Short, plain-English policies the DPO has published: what staff (and, for acceptable use, pupils) accept.
POLICIES: list[tuple[str, str, str, bool]] = [
    (
        "social_media",
        "2026",
        "Do not post anything about pupils, parents or colleagues on personal social media.\n\n"
        "Never share photos of pupils outside the school's own systems. Do not accept friend or follow requests "
        "from pupils or their parents on personal accounts.\n\n"
        "If you see something online that worries you about a pupil, tell the safeguarding lead the same day.",
        False,
    ),
    (
        "acceptable_use",
        "2026",
        "Use Staffroom for school business only, and be kind and respectful in every conversation.\n\n"
        "Keep your password to yourself and sign out of shared computers. Report a lost or stolen phone or "
        "laptop from your profile straight away.\n\n"
        "Everything written here belongs to the school and may be read by the safeguarding lead and the data "
        "protection officer when there is a reason to.",
        True,
    ),
]
DATA_PROTECTION_2025 = (
    "Personal data about pupils, parents and staff is used only for the school's work and kept only as long as "
    "needed.\n\nShare it only with people who need it, through the school's own systems. Tell the data "
    "protection officer at once if personal data is lost or sent to the wrong person."
)
DATA_PROTECTION_2026 = DATA_PROTECTION_2025 + (
    "\n\nDo not keep pupils' personal data, including photos, on your own phone or in personal messaging apps "
    "such as WhatsApp: use Staffroom instead."
)


def _policies(p: dict[str, Person]) -> None:
    """The DPO's policies, accepted by most of the demo staff. Office Staff One accepted only last year's data
    protection policy (out of date) and Governor One has accepted nothing, so the evidence shows both; neither is
    a login the browser tests use."""
    from staffroom.compliance import actions as compliance_actions

    dpo = p["dpo"]
    earlier = compliance_actions.publish_policy("data_protection", acting=dpo, label="2025", text=DATA_PROTECTION_2025)
    compliance_actions.acknowledge_policy(earlier.pk, acting=p["office1"])
    summary = "Added: no pupil data or photos on personal phones or in personal messaging apps."
    latest = compliance_actions.publish_policy(
        "data_protection", acting=dpo, label="2026", text=DATA_PROTECTION_2026, summary=summary
    )
    current = [latest]
    for kind, label, text, pupils_too in POLICIES:
        current.append(
            compliance_actions.publish_policy(kind, acting=dpo, label=label, text=text, includes_pupils=pupils_too)
        )
    owing = {"office1", "governor1"}
    for login, person in p.items():
        person.refresh_from_db(fields=["is_active"])  # the leaver has left by now
        if login in owing or not person.may_use_staffroom():
            continue
        for version in current:
            if version.includes_pupils or not person.is_pupil:
                compliance_actions.acknowledge_policy(version.pk, acting=person)
