"""Who may do what, and where: one table of role x action x scope that every action asks.

`require(person, action, target)` raises PermissionDenied unless one of the person's roles grants `action`
with a scope that contains `target`. The table is data, so the docs (docs/permissions.md) and the
authorisation tests are generated from it rather than written beside it.

Scopes, widest first:
  organisation  anything in the person's organisation
  school        things of the school where the role is held (trust-wide things count for every school)
  supervised    class channels of the school where the role is held, without being a member (DSL oversight)
  manager       conversations the person owns or administers (never a direct message: nobody runs one)
  member        conversations the person belongs to
  own           messages the person wrote
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

from staffroom.accounts.actors import Actor, Service, ServiceActor
from staffroom.accounts.models import Person, Role, RoleAssignment
from staffroom.errors import PermissionDenied

if TYPE_CHECKING:
    from staffroom.messaging.models import Conversation, Message


class Scope(StrEnum):
    ORGANISATION = "organisation"
    SCHOOL = "school"
    SUPERVISED = "supervised"
    MANAGER = "manager"
    MEMBER = "member"
    OWN = "own"


R = Role
S = Scope
_STAFF = (R.IT_ADMIN, R.HEADTEACHER, R.DPO, R.DSL, R.DEPUTY_DSL, R.TEACHER, R.TEACHING_ASSISTANT, R.SUPPORT_STAFF)
_EVERYONE = (*_STAFF, R.GOVERNOR, R.PUPIL, R.EXTERNAL)
_LEADERS = (R.IT_ADMIN, R.HEADTEACHER)


# Roles of people, and services (accounts/actors.py), which hold grants the same way.
Grants = dict[Role | Service, frozenset[Scope]]


def _all(roles: tuple[Role, ...], scope: Scope) -> Grants:
    return {role: frozenset({scope}) for role in roles}


def _merge(*parts: Grants) -> Grants:
    """Combine grants; a role named twice holds both scopes (a later part never narrows an earlier one)."""
    merged: dict[Role | Service, frozenset[Scope]] = {}
    for part in parts:
        for role, scopes in part.items():
            merged[role] = merged.get(role, frozenset()) | scopes
    return merged


def _one(role: Role | Service, scope: Scope) -> Grants:
    return {role: frozenset({scope})}


# action -> {role: scopes}. A role missing from an action's row may not do it at all.
RULES: dict[str, Grants] = {
    "conversation.create.channel": _merge(_all(_STAFF, S.SCHOOL), _one(R.IT_ADMIN, S.ORGANISATION)),
    "conversation.create.group": _merge(_all(_STAFF, S.ORGANISATION), _one(R.GOVERNOR, S.ORGANISATION)),
    "conversation.create.direct": _merge(_all(_STAFF, S.ORGANISATION), _one(R.GOVERNOR, S.ORGANISATION)),
    "conversation.create.announcement": _merge(
        _one(R.IT_ADMIN, S.ORGANISATION),
        _one(R.HEADTEACHER, S.SCHOOL),
        _one(R.DPO, S.ORGANISATION),
        _one(R.DSL, S.SCHOOL),
    ),
    # Roster sync opens the class channel of a class the roster brings, with its teachers and pupils in it.
    "conversation.create.class": _merge(
        _one(R.IT_ADMIN, S.ORGANISATION),
        _one(R.HEADTEACHER, S.SCHOOL),
        _one(R.TEACHER, S.SCHOOL),
        _one(Service.ROSTER_SYNC, S.ORGANISATION),
    ),
    "conversation.view": _merge(_all(_EVERYONE, S.MEMBER), _one(R.DSL, S.SUPERVISED), _one(R.DEPUTY_DSL, S.SUPERVISED)),
    "conversation.join": _merge(_all(_STAFF, S.SCHOOL), _one(R.GOVERNOR, S.SCHOOL)),
    # A safeguarding lead may also write in the class channels they oversee without being in them.
    "conversation.post": _merge(_all(_EVERYONE, S.MEMBER), _one(R.DSL, S.SUPERVISED), _one(R.DEPUTY_DSL, S.SUPERVISED)),
    # Class channels: when pupils may post (school hours) and whether only staff may (teacher-only mode).
    "conversation.posting_rules": _merge(_all(_STAFF, S.MANAGER), _one(R.HEADTEACHER, S.SCHOOL)),
    # Whether pupils of a school may post links and which files (the school's pupil posting policy).
    "pupil_posting.manage": _merge(_one(R.HEADTEACHER, S.SCHOOL), _one(R.DSL, S.SCHOOL), _one(R.DEPUTY_DSL, S.SCHOOL)),
    "conversation.manage": _merge(
        _all(_STAFF, S.MANAGER), _one(R.IT_ADMIN, S.ORGANISATION), _one(R.HEADTEACHER, S.SCHOOL)
    ),
    "conversation.manage_members": _merge(
        _all(_STAFF, S.MANAGER), _one(R.IT_ADMIN, S.ORGANISATION), _one(R.HEADTEACHER, S.SCHOOL)
    ),
    "announcement.post": _merge(
        _all(_STAFF, S.MANAGER),
        _one(R.IT_ADMIN, S.ORGANISATION),
        _one(R.HEADTEACHER, S.SCHOOL),
        _one(R.DPO, S.ORGANISATION),
        _one(R.DSL, S.SCHOOL),
    ),
    # Marking an announcement urgent: its notification reaches members even outside their working hours.
    "announcement.urgent": _one(R.HEADTEACHER, S.SCHOOL),
    "announcement.acknowledge": _all(_EVERYONE, S.MEMBER),
    "announcement.view_status": _merge(_all(_STAFF, S.OWN), _all(_LEADERS, S.SCHOOL)),
    "announcement.remind": _merge(_all(_STAFF, S.OWN), _all(_LEADERS, S.SCHOOL)),
    "message.edit": _all(_EVERYONE, S.OWN),
    "message.delete": _merge(_all(_EVERYONE, S.OWN), _all(_STAFF, S.MANAGER)),
    "message.react": _all(_EVERYONE, S.MEMBER),
    # Pinning a message to the top of its conversation. In a channel, class channel or announcement channel:
    # those who run it and the school's leaders (a thousand members pinning would bury what matters); in a
    # direct message or group (messaging.pins.permission picks the row): any member but a pupil.
    "message.pin": _merge(_all(_STAFF, S.MANAGER), _one(R.IT_ADMIN, S.ORGANISATION), _one(R.HEADTEACHER, S.SCHOOL)),
    "message.pin_in_group": _merge(_all(_STAFF, S.MEMBER), _one(R.GOVERNOR, S.MEMBER), _one(R.EXTERNAL, S.MEMBER)),
    # Supervised channels hide nothing from the DSL: a deleted or edited message's text and earlier versions
    # (each look audited with a reason), and hiding a harmful message from everyone else.
    "message.history": _merge(_one(R.DSL, S.SUPERVISED), _one(R.DEPUTY_DSL, S.SUPERVISED)),
    "message.hide": _merge(_one(R.DSL, S.SUPERVISED), _one(R.DEPUTY_DSL, S.SUPERVISED)),
    "directory.view": _merge(_all(_STAFF, S.ORGANISATION), _one(R.GOVERNOR, S.ORGANISATION)),
    "upload.create": _all(_EVERYONE, S.ORGANISATION),
    "people.manage": _merge(
        _one(R.IT_ADMIN, S.ORGANISATION),
        _one(R.HEADTEACHER, S.SCHOOL),
        _one(Service.SCIM, S.ORGANISATION),
        _one(Service.ROSTER_SYNC, S.ORGANISATION),
    ),
    # Outsiders: staff sponsor them (for conversations they run); the DPO or an IT admin decides.
    "external.request": _all(_STAFF, S.ORGANISATION),
    "external.decide": _merge(_one(R.IT_ADMIN, S.ORGANISATION), _one(R.DPO, S.ORGANISATION)),
    # Ending someone's access: as managing them, and the worker too, when a leave date passes.
    "people.deactivate": _merge(
        _one(R.IT_ADMIN, S.ORGANISATION),
        _one(R.HEADTEACHER, S.SCHOOL),
        _one(Service.SCIM, S.ORGANISATION),
        _one(Service.ROSTER_SYNC, S.ORGANISATION),
        _one(Service.WORKER, S.ORGANISATION),
    ),
    # The trust's schools, and each school's classes and who teaches and is taught in them (a class's channels
    # follow its lists). Roster sync keeps them as the school's roster says.
    "schools.manage": _merge(_one(R.IT_ADMIN, S.ORGANISATION), _one(Service.ROSTER_SYNC, S.ORGANISATION)),
    "classes.manage": _merge(
        _one(R.IT_ADMIN, S.ORGANISATION), _one(R.HEADTEACHER, S.SCHOOL), _one(Service.ROSTER_SYNC, S.ORGANISATION)
    ),
    # Importing a roster file (OneRoster CSV) changes people across the trust, so only a trust-wide admin does it;
    # the changes themselves are made by roster sync.
    "roster.import": _merge(_one(R.IT_ADMIN, S.ORGANISATION), _one(Service.ROSTER_SYNC, S.ORGANISATION)),
    # The group register (admin console): every conversation's title, owners and members, never its messages.
    # Only a trust-wide grant reaches trust-wide conversations there (messaging.queries.register_conversations).
    "register.view": _merge(
        _one(R.IT_ADMIN, S.ORGANISATION), _one(R.HEADTEACHER, S.SCHOOL), _one(R.DPO, S.ORGANISATION)
    ),
    "register.manage_members": _merge(_one(R.IT_ADMIN, S.ORGANISATION), _one(R.HEADTEACHER, S.SCHOOL)),
    # How people sign in: single sign-on providers and who must use a second sign-in step (the console).
    "signin.manage": _one(R.IT_ADMIN, S.ORGANISATION),
    # Removing someone's second step when they lost it (they then set up a new one): only IT admins.
    "signin.reset_second_factor": _one(R.IT_ADMIN, S.ORGANISATION),
    # The school's default working hours (when staff may be notified) and whether notifications name conversations.
    "notifications.manage": _merge(_one(R.IT_ADMIN, S.ORGANISATION), _one(R.HEADTEACHER, S.SCHOOL)),
    # The school's closure days (term holidays, INSET days), when pupils cannot post in class channels with hours.
    "school_calendar.manage": _merge(_one(R.IT_ADMIN, S.ORGANISATION), _one(R.HEADTEACHER, S.SCHOOL)),
    # The audit log: read by the data protection officer and IT admins (security), never changed by anyone.
    "audit.view": _merge(_one(R.DPO, S.ORGANISATION), _one(R.IT_ADMIN, S.ORGANISATION)),
    # The breach register (UK GDPR Art. 33): kept by the data protection officer.
    "breach.manage": _one(R.DPO, S.ORGANISATION),
    # The records overview (accountability report, retention, holds, requests, policy evidence): kept by the
    # DPO, read by the headteacher of a school.
    "records.view": _merge(_one(R.DPO, S.ORGANISATION), _one(R.HEADTEACHER, S.SCHOOL)),
    # Erasure requests (UK GDPR Art. 17): logged, weighed against the exceptions and decided by the DPO.
    "erasure.decide": _one(R.DPO, S.ORGANISATION),
    # Publishing the staff policies (data protection, social media, acceptable use): the data protection officer.
    "policy.manage": _one(R.DPO, S.ORGANISATION),
    # Subject access requests (UK GDPR Art. 15): logged, searched, redacted, exported and answered by the DPO.
    "sar.manage": _one(R.DPO, S.ORGANISATION),
    # The worker reminds the DPO of requests falling due (compliance/tasks.py).
    "sar.remind": _one(Service.WORKER, S.ORGANISATION),
    # Investigation exports (four eyes): one compliance person asks, with a reason, for a scope of messages; a
    # second approves before anything of the content is seen. A headteacher's reach is their own school.
    "investigation.request": _merge(_one(R.DPO, S.ORGANISATION), _one(R.HEADTEACHER, S.SCHOOL)),
    "investigation.approve": _merge(_one(R.DPO, S.ORGANISATION), _one(R.HEADTEACHER, S.SCHOOL)),
    # The bearer tokens a school's identity provider provisions staff with (SCIM, /scim/v2/).
    "scim.manage_tokens": _one(R.IT_ADMIN, S.ORGANISATION),
    # Conversations the identity provider keeps (a SCIM Group): created, renamed, given members and archived by it.
    "conversation.provision": _one(Service.SCIM, S.ORGANISATION),
    # Records management (issue 7). How long each kind of conversation is kept (retention rules): the DPO.
    "retention.manage": _one(R.DPO, S.ORGANISATION),
    # Legal holds (nothing in scope is purged until released): the DPO.
    "hold.manage": _one(R.DPO, S.ORGANISATION),
    # Removing what is due: unsent uploads, and (with retention) records past their schedule.
    "records.purge": _merge(_one(Service.WORKER, S.ORGANISATION), _one(Service.RETENTION, S.ORGANISATION)),
    # Noting in each organisation's audit log that the whole system was backed up or restored (`staffroom backup`,
    # `staffroom restore`, run by whoever runs the server): counts only, never content.
    "records.backup": _one(Service.BACKUP, S.ORGANISATION),
    # Safeguarding concerns (KCSIE): only the school's designated safeguarding lead and deputies see the queue
    # (the message as written, edits and deletions included) and work it; a trust-wide DSL sees every school's.
    "concern.view": _merge(_one(R.DSL, S.SCHOOL), _one(R.DEPUTY_DSL, S.SCHOOL)),
    "concern.manage": _merge(_one(R.DSL, S.SCHOOL), _one(R.DEPUTY_DSL, S.SCHOOL)),
    # Safeguarding (issue 8). What the checks on the send path do in a school: its DSL, and the DPO trust-wide.
    "safeguarding.policy": _merge(_one(R.DSL, S.SCHOOL), _one(R.DPO, S.ORGANISATION)),
    # Anyone who can see a message may report a concern about it: its members (pupils too), and the DSLs who
    # oversee a class channel.
    "concern.report": _merge(_all(_EVERYONE, S.MEMBER), _one(R.DSL, S.SUPERVISED), _one(R.DEPUTY_DSL, S.SUPERVISED)),
    # A pupil's photo with faces held for review (the school's policy): the staff who run the conversation (the
    # teacher in charge of a class channel) and the DSLs overseeing it see it, and release or remove it.
    "photo.review": _merge(_all(_STAFF, S.MANAGER), _one(R.DSL, S.SUPERVISED), _one(R.DEPUTY_DSL, S.SUPERVISED)),
}


def _assignments(person: Person) -> list[RoleAssignment]:
    return person.assignments()


def _target_parts(target: Any) -> tuple[int | None, int | None, Conversation | None, Message | None]:
    """(organisation id, school id, conversation, message) of whatever the action is about."""
    from staffroom.accounts.models import Organisation, School
    from staffroom.messaging.models import Conversation, Message

    if target is None:
        return None, None, None, None
    if isinstance(target, Message):
        conv = target.conversation
        return conv.organisation_id, conv.school_id, conv, target
    if isinstance(target, Conversation):
        return target.organisation_id, target.school_id, target, None
    if isinstance(target, School):
        return target.organisation_id, target.pk, None, None
    if isinstance(target, Organisation):
        return target.pk, None, None, None
    if isinstance(target, Person):
        return target.organisation_id, target.school_id, None, None
    raise TypeError(f"no permission scope for {type(target).__name__}")


def _membership_role(person: Person, conversation: Conversation) -> str | None:
    from staffroom.messaging.models import Membership

    return Membership.objects.filter(conversation=conversation, person=person).values_list("role", flat=True).first()


def _scope_contains(person: Person, scope: Scope, role_school_id: int | None, target: Any) -> bool:
    from staffroom.messaging.models import Conversation, Membership

    org_id, school_id, conversation, message = _target_parts(target)
    if org_id is not None and org_id != person.organisation_id:
        return False
    match scope:
        case Scope.ORGANISATION:
            return True
        case Scope.SCHOOL:
            if role_school_id is None:
                return True
            if school_id is None:
                # A trust-wide conversation belongs to every school; trust-wide people and the trust itself
                # belong to no single school, so only a trust-wide role reaches them.
                return conversation is not None
            return school_id == role_school_id
        case Scope.SUPERVISED:
            return (
                conversation is not None
                and conversation.kind == Conversation.Kind.CLASS
                and (role_school_id is None or conversation.school_id == role_school_id)
            )
        case Scope.MANAGER:
            # A direct message is between equals even if an old row still says "owner" (see migration 0003).
            return (
                conversation is not None
                and conversation.kind != Conversation.Kind.DIRECT
                and _membership_role(person, conversation) in Membership.MANAGING
            )
        case Scope.MEMBER:
            return conversation is not None and _membership_role(person, conversation) is not None
        case Scope.OWN:
            return message is not None and message.author_id == person.pk
    return False


def allows(person: Actor, action: str, target: Any = None) -> bool:
    """True when `person` may do `action` to `target`. Inactive people, and externals past their end date,
    may do nothing. A service may act only within its own organisation, at the organisation scope."""
    if action not in RULES:
        raise KeyError(f"unknown permission {action!r}")
    if isinstance(person, ServiceActor):
        org_id = _target_parts(target)[0]
        return S.ORGANISATION in RULES[action].get(person.service, ()) and org_id in (None, person.organisation_id)
    if not person.may_use_staffroom():
        return False
    grants = RULES[action]
    for assignment in _assignments(person):
        for scope in grants.get(Role(assignment.role), ()):
            if _scope_contains(person, scope, assignment.school_id, target):
                return True
    return False


def schools_with_scope(person: Person, action: str, scope: Scope) -> tuple[bool, set[int]]:
    """Where `person` holds `action` at exactly `scope`: (everywhere in the organisation?, school ids).
    Queries use this to widen a listing, e.g. class channels a DSL oversees without being a member."""
    if not person.may_use_staffroom():
        return False, set()
    grants = RULES[action]
    everywhere, schools = False, set()
    for assignment in _assignments(person):
        if scope in grants.get(Role(assignment.role), ()):
            if assignment.school_id is None:
                everywhere = True
            else:
                schools.add(assignment.school_id)
    return everywhere, schools


def overseers(conversation: Conversation) -> list[int]:
    """Ids of active people whose roles let them see `conversation` through the SUPERVISED scope."""
    from django.db.models import Q

    roles = [role for role, scopes in RULES["conversation.view"].items() if Scope.SUPERVISED in scopes]
    if conversation.kind != "class":
        return []
    where = Q(school__isnull=True) | Q(school_id=conversation.school_id)
    return sorted(
        set(
            RoleAssignment.objects.filter(
                where,
                role__in=roles,
                person__organisation_id=conversation.organisation_id,
                person__is_active=True,
            ).values_list("person_id", flat=True)
        )
    )


def require(person: Actor, action: str, target: Any = None) -> None:
    """Raise PermissionDenied unless `allows(person, action, target)`."""
    if not allows(person, action, target):
        raise PermissionDenied()


def table_markdown() -> str:
    """The permission table as Markdown: docs/permissions.md is this, and a test keeps the two equal."""
    roles: list[Role | Service] = [*Role, *Service]
    lines = [
        "# Permissions",
        "",
        "Generated from `src/staffroom/accounts/permissions.py` (`RULES`); a test fails when the two differ.",
        "Regenerate with `staffroom permissions_table > docs/permissions.md`.",
        "",
        "Each cell is the scope within which the role may do the action; a dash means never. The last columns",
        "are services that act without a person (accounts/actors.py), each only within its own organisation.",
        "",
        "| Action | "
        + " | ".join(f"Service: {r.label}" if isinstance(r, Service) else str(r.label) for r in roles)
        + " |",
        "|---|" + "---|" * len(roles),
    ]
    for action in sorted(RULES):
        grants = RULES[action]
        cells = [", ".join(sc.value for sc in Scope if sc in grants[r]) if r in grants else "-" for r in roles]
        lines.append(f"| `{action}` | " + " | ".join(cells) + " |")
    lines += ["", "Scopes:", ""]
    doc = __doc__ or ""
    lines += [f"- {line.strip()}" for line in doc.split("Scopes, widest first:")[1].strip().splitlines()]
    return "\n".join(lines) + "\n"
