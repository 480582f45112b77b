"""Scoped reads for messaging. Each function answers only what the viewer may see; anything else is
NotFound, never Forbidden, so ids cannot be probed (DESIGN.md invariant 2)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    IntegerField,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from staffroom.accounts import permissions
from staffroom.accounts.models import ExternalAccessRequest, Person, School
from staffroom.accounts.permissions import Scope
from staffroom.errors import Invalid, NotFound, PermissionDenied
from staffroom.messaging.models import (
    Acknowledgement,
    Attachment,
    Conversation,
    Membership,
    MembershipReview,
    Message,
    OversightRead,
    Reaction,
)

DEFAULT_PAGE = 50
MAX_PAGE = 200


def visible_conversations(viewer: Person) -> QuerySet[Conversation]:
    """Conversations the viewer belongs to, plus class channels a safeguarding lead oversees."""
    where = Q(memberships__person=viewer)
    everywhere, schools = permissions.schools_with_scope(viewer, "conversation.view", Scope.SUPERVISED)
    if everywhere:
        where |= Q(kind=Conversation.Kind.CLASS)
    elif schools:
        where |= Q(kind=Conversation.Kind.CLASS, school_id__in=schools)
    visible_ids = Conversation.objects.filter(where, organisation_id=viewer.organisation_id).values("id")
    return Conversation.objects.filter(id__in=visible_ids).select_related("school")


def get_conversation(viewer: Person, conversation_id: int) -> Conversation:
    conversation = visible_conversations(viewer).filter(pk=conversation_id).first()
    if conversation is None:
        raise NotFound()
    return conversation


def post_permission(conversation: Conversation) -> str:
    """The permission writing in this conversation needs: announcements only for those who run them."""
    return "announcement.post" if conversation.kind == Conversation.Kind.ANNOUNCEMENT else "conversation.post"


def may_post(viewer: Person, conversation: Conversation) -> bool:
    """Whether the viewer may write here; nobody writes in an archived conversation, and pupils not in a class
    channel in teacher-only mode or outside its posting hours (posting_refusal says why)."""
    from staffroom.messaging import supervision

    return (
        conversation.archived_at is None
        and permissions.allows(viewer, post_permission(conversation), conversation)
        and supervision.refusal(conversation, viewer) is None
    )


def joinable_channels(viewer: Person) -> list[Conversation]:
    """Open channels of the viewer's schools (and trust-wide ones) that they have not joined."""
    candidates = (
        Conversation.objects.filter(
            organisation_id=viewer.organisation_id, kind=Conversation.Kind.CHANNEL, archived_at__isnull=True
        )
        .exclude(memberships__person=viewer)
        .select_related("school")
        .annotate(member_count=Count("memberships"))
        .order_by("title")
    )
    return [c for c in candidates if permissions.allows(viewer, "conversation.join", c)]


@dataclass
class ConversationSummary:
    conversation: Conversation
    unread: int
    mentions: int
    member_count: int
    last_read_message_id: int
    membership_role: str | None
    last_message_id: int | None = None


def _unread_subquery(viewer: Person) -> Coalesce:
    unread = (
        Message.objects.filter(
            conversation=OuterRef("conversation_id"),
            id__gt=OuterRef("last_read_message_id"),
            deleted_at__isnull=True,
            hidden_at__isnull=True,
        )
        .exclude(author=viewer)
        .values("conversation")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Coalesce(Subquery(unread, output_field=IntegerField()), Value(0))


def conversation_summaries(viewer: Person) -> list[ConversationSummary]:
    """The viewer's conversations with unread and mention counts, most recent activity first."""
    mentions = (
        Message.mentions.through.objects.filter(
            person_id=viewer.pk,
            message__conversation=OuterRef("conversation_id"),
            message__id__gt=OuterRef("last_read_message_id"),
            message__deleted_at__isnull=True,
        )
        .values("message__conversation")
        .annotate(n=Count("id"))
        .values("n")  # type: ignore[misc]
    )
    members = (
        Membership.objects.filter(conversation=OuterRef("conversation_id"))
        .values("conversation")
        .annotate(n=Count("id"))
        .values("n")
    )
    latest = Message.objects.filter(conversation=OuterRef("conversation_id")).order_by("-id").values("id")[:1]
    memberships = (
        Membership.objects.filter(person=viewer, conversation__organisation_id=viewer.organisation_id)
        .select_related("conversation__school")
        .annotate(
            last_message_id=Subquery(latest, output_field=IntegerField()),
            unread=_unread_subquery(viewer),
            mention_count=Coalesce(Subquery(mentions, output_field=IntegerField()), Value(0)),
            member_count=Subquery(members, output_field=IntegerField()),
        )
    )
    summaries = [
        ConversationSummary(
            m.conversation,
            m.unread,
            m.mention_count,
            m.member_count,
            m.last_read_message_id,
            m.role,
            m.last_message_id,
        )
        for m in memberships
    ]
    summaries.sort(key=lambda s: s.conversation.last_message_at or s.conversation.created_at, reverse=True)
    return summaries


@dataclass(frozen=True)
class LastMessage:
    """What the conversation list shows of a conversation's newest message: who wrote it, when, and (unless it
    was deleted) its rendered text and whether it carries a photo or another file."""

    id: int
    conversation_id: int
    author_id: int
    created_at: datetime
    html: str
    deleted: bool
    has_image: bool
    has_file: bool
    # A photo on it is held for review, or was removed after one: previews say so, the same to everyone.
    has_held: bool = False
    has_removed: bool = False


def last_messages(viewer: Person, message_ids: list[int]) -> dict[int, LastMessage]:
    """The messages named (the `last_message_id` of the viewer's summaries), by conversation id, in one query.
    Only messages of conversations the viewer is in; a deleted, erased or hidden message comes without its text."""
    if not message_ids:
        return {}
    files = Attachment.objects.filter(message=OuterRef("pk"))
    rows = (
        Message.objects.filter(
            pk__in=message_ids,
            conversation__memberships__person=viewer,
            conversation__organisation_id=viewer.organisation_id,
        )
        .annotate(
            has_image=Exists(files.filter(content_type__startswith="image/")),
            has_file=Exists(files.exclude(content_type__startswith="image/")),
            has_held=Exists(files.filter(held_at__isnull=False, reviewed_at__isnull=True)),
            has_removed=Exists(files.filter(review="removed")),
        )
        .values(
            "id",
            "conversation_id",
            "author_id",
            "created_at",
            "html",
            "deleted_at",
            "hidden_at",
            "has_image",
            "has_file",
            "has_held",
            "has_removed",
        )
    )
    found: dict[int, LastMessage] = {}
    for row in rows:
        deleted = row["deleted_at"] is not None or row["hidden_at"] is not None
        found[row["conversation_id"]] = LastMessage(
            id=row["id"],
            conversation_id=row["conversation_id"],
            author_id=row["author_id"],
            created_at=row["created_at"],
            html="" if deleted else row["html"],
            deleted=deleted,
            has_image=not deleted and row["has_image"],
            has_file=not deleted and row["has_file"],
            has_held=not deleted and row["has_held"],
            has_removed=not deleted and row["has_removed"],
        )
    return found


def direct_message_names(viewer: Person, conversation_ids: list[int]) -> dict[int, list[str]]:
    """For the viewer's direct messages, the names of the other people in each, by name, in one query."""
    if not conversation_ids:
        return {}
    names: dict[int, list[str]] = {pk: [] for pk in conversation_ids}
    others = (
        Membership.objects.filter(
            conversation_id__in=conversation_ids,
            conversation__kind=Conversation.Kind.DIRECT,
            conversation__memberships__person=viewer,
        )
        .exclude(person=viewer)
        .order_by("person__name", "person_id")
        .values_list("conversation_id", "person__name")
    )
    for conversation_id, name in others:
        names[conversation_id].append(name)
    return names


def conversation_summary(viewer: Person, conversation: Conversation) -> ConversationSummary:
    """One conversation's counts for the viewer (who may be an overseeing DSL rather than a member)."""
    for summary in conversation_summaries(viewer):
        if summary.conversation.pk == conversation.pk:
            return summary
    overseen = {c.pk: unread for c, unread in overseen_unread(viewer)}
    return ConversationSummary(
        conversation, overseen.get(conversation.pk, 0), 0, conversation.memberships.count(), 0, None
    )


def overseen_unread(viewer: Person) -> list[tuple[Conversation, int]]:
    """Class channels the viewer oversees for safeguarding without being in them, by title, each with how many
    messages others posted there since the viewer last read it (OversightRead; never read: all of them)."""
    # Inside the messages subquery: the position of the viewer in that message's conversation.
    read_up_to = OversightRead.objects.filter(person=viewer, conversation=OuterRef("conversation_id")).values(
        "last_read_message_id"
    )
    unread = (
        Message.objects.filter(
            conversation=OuterRef("pk"),
            id__gt=Coalesce(Subquery(read_up_to, output_field=IntegerField()), Value(0)),
            deleted_at__isnull=True,
            hidden_at__isnull=True,
        )
        .exclude(author=viewer)
        .values("conversation")
        .annotate(n=Count("id"))
        .values("n")
    )
    conversations = (
        visible_conversations(viewer)
        .filter(kind=Conversation.Kind.CLASS)
        .exclude(memberships__person=viewer)
        .annotate(unread=Coalesce(Subquery(unread, output_field=IntegerField()), Value(0)))
        .order_by("title", "pk")
    )
    return [(c, c.unread) for c in conversations]


def posting_refusal(viewer: Person, conversation: Conversation) -> str:
    """Why the viewer, a pupil, cannot post in this class channel now (teacher-only mode, outside posting
    hours), for the composer to say instead of offering a message box; empty when nothing stops them."""
    from staffroom.messaging import supervision

    refused = supervision.refusal(conversation, viewer)
    return refused.message if refused is not None else ""


def membership(viewer: Person, conversation: Conversation) -> Membership | None:
    return Membership.objects.filter(conversation=conversation, person=viewer).first()


def members(viewer: Person, conversation: Conversation) -> list[Membership]:
    """Members of a conversation the viewer can see, by name."""
    get_conversation(viewer, conversation.pk)
    return list(
        Membership.objects.filter(conversation=conversation)
        .select_related("person__school")
        .prefetch_related("person__role_assignments")
        .order_by("person__name", "person_id")
    )


def _messages() -> QuerySet[Message]:
    return Message.objects.select_related("author__school", "conversation", "reply_to__author").prefetch_related(
        "author__role_assignments",
        "reactions",
        "mentions",
        Prefetch("attachments", queryset=Attachment.objects.order_by("created_at")),
        Prefetch("acknowledgements", queryset=Acknowledgement.objects.only("id", "message_id")),
    )


def _cache(instance: Message, name: str, model: type[Any], rows: list[Any]) -> None:
    """Fill one prefetch cache with rows already in hand, as `prefetch_related` would have."""
    cached = model.objects.none()
    cached._result_cache = rows
    cached._prefetch_done = True
    instance.__dict__.setdefault("_prefetched_objects_cache", {})[name] = cached


def as_just_sent(
    message: Message, *, conversation: Conversation, author: Person, mentioned: list[int], attachments: list[Attachment]
) -> Message:
    """A message created a moment ago, dressed as `_messages()` would load it, from the rows the send already
    holds: it has no reactions or acknowledgements yet, and its mentions and files are known. Reading it back
    cost a third of a send (six queries)."""
    message.conversation = conversation
    message.author = author
    mentions = [Person(pk=pk) for pk in sorted(mentioned)]
    _cache(message, "reactions", Reaction, [])
    _cache(message, "mentions", Person, mentions)
    _cache(message, "attachments", Attachment, sorted(attachments, key=lambda a: (a.created_at, a.pk)))
    _cache(message, "acknowledgements", Acknowledgement, [])
    return message


def parse_cursor(raw: str | None) -> int | None:
    if raw in (None, ""):
        return None
    try:
        value = int(str(raw))
    except ValueError:
        raise Invalid("before", _("The cursor is not valid; use the `next` value from the previous page.")) from None
    if value < 1:
        raise Invalid("before", _("The cursor is not valid; use the `next` value from the previous page."))
    return value


@dataclass
class MessagePage:
    items: list[Message]
    next: str | None


def message_page(
    viewer: Person, conversation: Conversation, *, before: int | None = None, limit: int = DEFAULT_PAGE
) -> MessagePage:
    """The `limit` messages before `before` (newest page when empty), oldest first; `next` pages further back."""
    get_conversation(viewer, conversation.pk)
    if not 1 <= limit <= MAX_PAGE:
        raise Invalid("limit", f"Limit must be between 1 and {MAX_PAGE}.")
    messages = _messages().filter(conversation=conversation)
    if before is not None:
        messages = messages.filter(id__lt=before)
    page = list(messages.order_by("-id")[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    page.reverse()
    return MessagePage(items=page, next=str(page[0].pk) if more and page else None)


def get_message(viewer: Person, message_id: int) -> Message:
    """A message in a conversation the viewer can see, else NotFound."""
    message = _messages().filter(pk=message_id, conversation__in=visible_conversations(viewer)).first()
    if message is None:
        raise NotFound()
    return message


def editable_message(viewer: Person, message_id: int) -> Message:
    """A message the viewer may edit: their own, not deleted. Anything else is NotFound, because the edit form
    shows the text, and a deleted message's text is for the school's records only."""
    message = get_message(viewer, message_id)
    if (
        message.deleted_at is not None
        or message.hidden_at is not None
        or not permissions.allows(viewer, "message.edit", message)
    ):
        raise NotFound()
    return message


@dataclass
class AcknowledgementStatus:
    message: Message
    acknowledged: list[tuple[Person, datetime]]
    pending: list[Person]


def acknowledgement_status(viewer: Person, message: Message) -> AcknowledgementStatus:
    """Who has and has not acknowledged an announcement; for its sender and school leaders."""
    permissions.require(viewer, "announcement.view_status", message)
    acks = {a.person_id: a for a in Acknowledgement.objects.filter(message=message).select_related("person__school")}
    acknowledged = sorted(((a.person, a.acknowledged_at) for a in acks.values()), key=lambda pa: pa[0].name)
    pending = [
        m.person
        for m in Membership.objects.filter(conversation=message.conversation, person__is_active=True)
        .exclude(person_id=message.author_id)
        .select_related("person__school")
        .order_by("person__name")
        if m.person_id not in acks
    ]
    return AcknowledgementStatus(message, acknowledged, pending)


def has_acknowledged(viewer: Person, message: Message) -> bool:
    return Acknowledgement.objects.filter(message=message, person=viewer).exists()


def read_by(viewer: Person, message: Message) -> list[Person]:
    """Members (other than the author) who have read up to this message: the read receipts."""
    get_message(viewer, message.pk)
    return [
        m.person
        for m in Membership.objects.filter(
            conversation_id=message.conversation_id, last_read_message_id__gte=message.pk
        )
        .exclude(person_id=message.author_id)
        .select_related("person")
        .order_by("person__name")
    ]


def get_attachment(viewer: Person, attachment_id: str) -> Attachment:
    """An attachment on a message the viewer can see, or the viewer's own not-yet-sent upload. A photo held for
    review is only for its sender and those who may review it (`may_see_file`); to anyone else it is not there."""
    attachment = _visible_attachment(viewer, attachment_id)
    if not may_see_file(viewer, attachment):
        raise NotFound()
    return attachment


def _visible_attachment(viewer: Person, attachment_id: str) -> Attachment:
    visible = Q(message__conversation__in=visible_conversations(viewer), message__deleted_at__isnull=True)
    own_unsent = Q(message__isnull=True, uploaded_by=viewer)
    try:
        key = uuid.UUID(str(attachment_id))
    except ValueError:
        raise NotFound() from None
    attachment = Attachment.objects.filter(visible | own_unsent, pk=key).select_related("message__conversation").first()
    if attachment is None:
        raise NotFound()
    return attachment


def may_review_photo(viewer: Person, attachment: Attachment) -> bool:
    """May `viewer` release or remove this photo (it is held, and they run its conversation or oversee it)?"""
    return attachment.message is not None and permissions.allows(viewer, "photo.review", attachment.message)


def may_see_file(viewer: Person, attachment: Attachment) -> bool:
    """A held photo: its sender and reviewers; a removed one: its reviewers (for the record); else everyone who
    can see the message."""
    if not attachment.withheld:
        return True
    if attachment.held and attachment.uploaded_by_id == viewer.pk:
        return True
    return may_review_photo(viewer, attachment)


def photo_for_review(viewer: Person, attachment_id: str) -> Attachment:
    """A photo on a message the viewer can see (404 otherwise), for releasing or removing it."""
    attachment = _visible_attachment(viewer, attachment_id)
    if attachment.message is None:
        raise NotFound()
    return attachment


def held_photos(viewer: Person, *, limit: int = 100) -> list[Attachment]:
    """Photos waiting for a check that the viewer may release or remove, oldest first: the DSL's queue and the
    teacher's reminder, so none is forgotten. Exactly those `photo.review` allows (the rule decides each row), and
    all of them up to `limit`: the database narrows to the conversations the rule could reach (those the viewer
    runs, and the class channels their safeguarding roles oversee) so that none is lost behind rows the rule
    then drops."""
    managed = Q(pk__in=[])
    runs_anywhere, runs_in = permissions.schools_with_scope(viewer, "photo.review", Scope.MANAGER)
    if runs_anywhere or runs_in:
        runs = (
            Membership.objects.filter(person=viewer, role__in=Membership.MANAGING)
            .exclude(conversation__kind=Conversation.Kind.DIRECT)
            .values("conversation_id")
        )
        managed = Q(message__conversation_id__in=runs)
    everywhere, schools = permissions.schools_with_scope(viewer, "photo.review", Scope.SUPERVISED)
    overseen = Q(message__conversation__kind=Conversation.Kind.CLASS)
    if not everywhere:
        overseen &= Q(message__conversation__school_id__in=schools)
    rows = (
        Attachment.objects.filter(
            managed | overseen if everywhere or schools else managed,
            held_at__isnull=False,
            reviewed_at__isnull=True,
            message__deleted_at__isnull=True,
            message__conversation__in=visible_conversations(viewer),
        )
        .select_related("message__conversation", "uploaded_by")
        .order_by("held_at", "pk")
    )
    found: list[Attachment] = []
    for attachment in rows.iterator(chunk_size=limit):
        if may_review_photo(viewer, attachment):
            found.append(attachment)
            if len(found) == limit:
                break
    return found


def messages_by_id(ids: list[int]) -> dict[int, Message]:
    """Messages with what their payload shows, by id, for building events. Not scoped: events are addressed
    to who may see them before they are loaded (realtime)."""
    return _messages().in_bulk(ids)


@dataclass(frozen=True)
class UploadUsage:
    """What a person's uploads take up: those not yet on a message, and all of them since a moment."""

    unsent_files: int
    unsent_bytes: int
    recent_bytes: int
    oldest_recent: datetime | None


def upload_usage(person: Person, *, since: datetime) -> UploadUsage:
    """The person's own unsent uploads, and the size of everything they uploaded since `since`."""
    unsent, recent = Q(message__isnull=True), Q(created_at__gte=since)
    totals = Attachment.objects.filter(unsent | recent, uploaded_by=person).aggregate(
        unsent_files=Count("pk", filter=unsent),
        unsent_bytes=Coalesce(Sum("size", filter=unsent), 0),
        recent_bytes=Coalesce(Sum("size", filter=recent), 0),
        oldest_recent=Min("created_at", filter=recent),
    )
    return UploadUsage(**totals)


def own_unsent_uploads(person: Person) -> list[Attachment]:
    """The person's own uploads that are not on a message yet, oldest first."""
    return list(Attachment.objects.filter(uploaded_by=person, message__isnull=True).order_by("created_at"))


def own_unsent_upload(person: Person, attachment_id: str, *, lock: bool = False) -> Attachment:
    """One of the person's own uploads that is not on a message yet; `lock` holds its row until the transaction
    ends, so that no send can claim it meanwhile."""
    try:
        key = uuid.UUID(str(attachment_id))
    except ValueError:
        raise NotFound() from None
    found = Attachment.objects.filter(pk=key, uploaded_by=person, message__isnull=True)
    attachment = (found.select_for_update() if lock else found).first()
    if attachment is None:
        raise NotFound()
    return attachment


# --- the group register -----------------------------------------------------------------------------------
#
# The admin console's list of every conversation in the organisation: who runs it, how many are in it (and how
# many of them are externals), when it was last used and last reviewed. It never reads a message: the register
# is for looking after membership, not for reading what people wrote.

REGISTER_PAGE = 50
MAX_REGISTER_PAGE = 200
MAX_REGISTER_SEARCH = 200
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _register_reach(viewer: Person, permission: str) -> tuple[bool, set[int]] | None:
    """(every conversation of the organisation?, else the ids of the schools whose conversations) `permission`
    reaches for the viewer in the register; None when it reaches none."""
    trust_roles, schools_of_trust_roles = permissions.schools_with_scope(viewer, permission, Scope.ORGANISATION)
    everywhere, schools = permissions.schools_with_scope(viewer, permission, Scope.SCHOOL)
    if trust_roles or schools_of_trust_roles or everywhere:
        return True, set()
    if schools:
        return False, schools
    return None


def register_scope(viewer: Person, permission: str = "register.view") -> Q | None:
    """The conversations `permission` (`register.view` or `register.manage_members`) reaches for the viewer, as
    a filter, or None when it reaches none. An organisation-scope grant, or a school-scope role held trust-wide,
    reaches every conversation of the organisation; a school-scope grant reaches that school's conversations
    only. Trust-wide conversations (no school) are the trust's: only a trust-wide grant reaches them here, so a
    headteacher's register holds their own school's conversations, not the trust's (although
    `permissions.allows` counts trust-wide conversations in every school's scope)."""
    reach = _register_reach(viewer, permission)
    if reach is None:
        return None
    everywhere, schools = reach
    in_organisation = Q(organisation_id=viewer.organisation_id)
    return in_organisation if everywhere else in_organisation & Q(school_id__in=schools)


def register_schools(viewer: Person) -> list[School]:
    """The schools whose conversations are in the viewer's register, by name (to filter the register by)."""
    reach = _register_reach(viewer, "register.view")
    if reach is None:
        return []
    everywhere, schools = reach
    found = School.objects.filter(organisation_id=viewer.organisation_id)
    return list((found if everywhere else found.filter(pk__in=schools)).order_by("name"))


def may_view_register(viewer: Person) -> bool:
    """Whether the viewer sees the group register at all (IT admins, headteachers, the DPO)."""
    return register_scope(viewer) is not None


@dataclass(frozen=True)
class RegisterFilters:
    """What the register is narrowed to: words of the title, a kind, a school, with or without externals."""

    q: str = ""
    kind: str | None = None
    school_id: int | None = None
    externals: bool | None = None
    review: str | None = None  # "due": not yet reviewed this term (overdue ones included)


@dataclass(frozen=True)
class Owner:
    id: int
    name: str


@dataclass(frozen=True)
class RegisterRow:
    """One conversation as the register shows it: what it is and who runs it, never what was said in it."""

    id: int
    kind: str
    title: str
    school: str | None
    school_id: int | None
    owners: list[Owner]
    member_count: int
    external_count: int
    created_at: datetime
    last_activity_at: datetime
    last_reviewed_at: datetime | None
    archived: bool
    review_due: bool = False
    review_overdue: bool = False


def register(viewer: Person, filters: RegisterFilters | None = None) -> QuerySet[Conversation]:
    """The conversations in the viewer's register that match `filters`, newest activity first, each annotated
    with its member and external counts and its owners (`register_row` turns one into a row). PermissionDenied
    for someone without `register.view`: they have no register, rather than an empty one."""
    filters = filters or RegisterFilters()
    scope = register_scope(viewer)
    if scope is None:
        raise PermissionDenied(_("Only IT admins, headteachers and the data protection officer see the register."))
    conversations = Conversation.objects.filter(scope)
    if filters.kind is not None:
        if filters.kind not in Conversation.Kind.values:
            kinds = ", ".join(Conversation.Kind.values)
            raise Invalid("kind", _("Kind must be one of: %(kinds)s.") % {"kinds": kinds})
        conversations = conversations.filter(kind=filters.kind)
    if filters.school_id is not None:
        conversations = conversations.filter(school_id=filters.school_id)
    words = filters.q.strip()
    if len(words) > MAX_REGISTER_SEARCH:
        raise Invalid("q", _("Search for at most %(n)d characters.") % {"n": MAX_REGISTER_SEARCH})
    if words:
        conversations = conversations.filter(title__icontains=words)
    # Owners only: a direct message has none (`register_row` ignores an old row that still says so).
    owners = Membership.objects.filter(role=Membership.Role.OWNER).select_related("person")
    conversations = (
        conversations.select_related("school")
        .annotate(
            member_count=Count("memberships", distinct=True),
            external_count=Count("memberships", filter=Q(memberships__person__external=True), distinct=True),
            last_activity_at=Coalesce("last_message_at", "created_at"),
        )
        .prefetch_related(
            Prefetch("memberships", queryset=owners.order_by("person__name", "person_id"), to_attr="owner_rows")
        )
        .order_by("-last_activity_at", "-id")
    )
    if filters.externals is True:
        conversations = conversations.filter(external_count__gt=0)
    elif filters.externals is False:
        conversations = conversations.filter(external_count=0)
    from staffroom.messaging import reviews

    conversations = conversations.annotate(
        review_due=ExpressionWrapper(reviews.due_filter(), output_field=BooleanField())
    )
    if filters.review == "due":
        conversations = conversations.filter(reviews.due_filter())
    elif filters.review is not None:
        raise Invalid("review", _("Review must be `due`, or left out."))
    return conversations


def register_row(conversation: Conversation) -> RegisterRow:
    """A conversation from `register` as its register row."""
    annotated: Any = conversation
    owners = (
        []
        if conversation.kind == Conversation.Kind.DIRECT
        else [Owner(m.person_id, m.person.name) for m in annotated.owner_rows]
    )
    return RegisterRow(
        id=conversation.pk,
        kind=conversation.kind,
        title=conversation.title,
        school=conversation.school.name if conversation.school_id and conversation.school else None,
        school_id=conversation.school_id,
        owners=owners,
        member_count=annotated.member_count,
        external_count=annotated.external_count,
        created_at=conversation.created_at,
        last_activity_at=annotated.last_activity_at,
        last_reviewed_at=conversation.last_reviewed_at,
        archived=conversation.archived_at is not None,
        review_due=bool(getattr(annotated, "review_due", False)),
        review_overdue=bool(getattr(annotated, "review_due", False)) and _reviews_overdue(),
    )


def _reviews_overdue() -> bool:
    from staffroom.messaging import reviews

    return reviews.is_overdue()


def _register_cursor(row: RegisterRow) -> str:
    return f"{(row.last_activity_at - _EPOCH) // timedelta(microseconds=1)}.{row.id}"


def _parse_register_cursor(raw: str) -> tuple[datetime, int]:
    activity, _dot, row_id = raw.partition(".")
    try:
        at, pk = _EPOCH + timedelta(microseconds=int(activity)), int(row_id)
    except (ValueError, OverflowError):
        at, pk = _EPOCH, 0
    if not 1 <= pk < 2**63:
        raise Invalid("after", _("The page marker is not valid; use the `next` value from the previous page."))
    return at, pk


@dataclass
class RegisterPage:
    items: list[RegisterRow]
    next: str | None


def register_page(
    viewer: Person, filters: RegisterFilters | None = None, *, after: str | None = None, limit: int = REGISTER_PAGE
) -> RegisterPage:
    """One page of the register, newest activity first; `next` goes on after its last row. The marker holds
    that row's activity time and id, so a page never repeats or skips a conversation whose activity is unchanged."""
    if not 1 <= limit <= MAX_REGISTER_PAGE:
        raise Invalid("limit", _("Limit must be between 1 and %(n)d.") % {"n": MAX_REGISTER_PAGE})
    conversations = register(viewer, filters)
    if after:
        at, pk = _parse_register_cursor(after)
        conversations = conversations.filter(Q(last_activity_at__lt=at) | Q(last_activity_at=at, id__lt=pk))
    rows = [register_row(c) for c in conversations[: limit + 1]]
    more = len(rows) > limit
    rows = rows[:limit]
    return RegisterPage(items=rows, next=_register_cursor(rows[-1]) if more and rows else None)


def register_rows(viewer: Person, filters: RegisterFilters | None = None) -> Iterator[RegisterRow]:
    """Every row of the register that matches `filters`, read in batches (for the CSV download). Who may see
    the register is checked at the call, not at the first row."""
    conversations = register(viewer, filters)
    return (register_row(c) for c in conversations.iterator(chunk_size=500))


@dataclass
class RegisterEntry:
    """One conversation in the register, with its members (people and their role in it), never its messages."""

    conversation: Conversation
    row: RegisterRow
    members: list[Membership]
    reviews: list[MembershipReview]


def register_conversation(viewer: Person, conversation_id: int) -> Conversation:
    """A conversation of the viewer's register (annotated as `register` does); NotFound if it is not in it."""
    conversation = register(viewer).filter(pk=conversation_id).first()
    if conversation is None:
        raise NotFound()
    return conversation


def register_entry(viewer: Person, conversation_id: int) -> RegisterEntry:
    """A conversation of the viewer's register with its members; NotFound if it is not in their register."""
    conversation = register_conversation(viewer, conversation_id)
    members = list(
        Membership.objects.filter(conversation=conversation)
        .select_related("person__school")
        .prefetch_related("person__role_assignments")
        .order_by("person__name", "person_id")
    )
    history = list(conversation.reviews.select_related("reviewed_by").order_by("-reviewed_at")[:20])
    return RegisterEntry(conversation=conversation, row=register_row(conversation), members=members, reviews=history)


def in_register(viewer: Person, conversation: Conversation, permission: str = "register.view") -> bool:
    """Whether `permission` reaches `conversation` in the viewer's register (see `register_scope`)."""
    scope = register_scope(viewer, permission)
    return scope is not None and Conversation.objects.filter(scope, pk=conversation.pk).exists()


def my_external_requests(viewer: Person) -> QuerySet[ExternalAccessRequest]:
    """The requests for outsiders the viewer made, newest first."""
    return (
        ExternalAccessRequest.objects.filter(sponsor=viewer)
        .select_related("sponsor", "decided_by")
        .order_by("-created_at", "-id")
    )


def external_requests(viewer: Person, *, status: str = "") -> QuerySet[ExternalAccessRequest]:
    """Every request for an outsider of the viewer's organisation, newest first, for those who decide them
    (`external.decide`); PermissionDenied for anyone else."""
    if not permissions.allows(viewer, "external.decide", viewer.organisation):
        raise PermissionDenied(_("Only the DPO and IT admins decide requests for outsiders."))
    requests = ExternalAccessRequest.objects.filter(organisation_id=viewer.organisation_id).select_related(
        "sponsor", "decided_by", "person"
    )
    if status:
        if status not in ExternalAccessRequest.Status.values:
            raise Invalid("status", _("Status is one of: pending, approved, rejected."))
        requests = requests.filter(status=status)
    return requests.order_by("-id")


def pupil_posting_schools(viewer: Person) -> list[School]:
    """The schools whose policy for links and files from pupils `viewer` may set (`pupil_posting.manage`: the
    headteacher and the safeguarding leads of each), in name order."""
    schools = School.objects.filter(organisation_id=viewer.organisation_id).order_by("name", "id")
    return [s for s in schools if permissions.allows(viewer, "pupil_posting.manage", s)]
