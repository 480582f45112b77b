"""Conversations and their members."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import P, QueryEx, Router, Status

from staffroom.accounts.models import Person, School, SchoolClass
from staffroom.api.auth import caller
from staffroom.api.schemas import (
    ConversationIn,
    ConversationOut,
    ConversationPage,
    ConversationPatch,
    MemberIn,
    MemberOut,
    MemberPage,
    ObjectId,
    ReadIn,
    ReadOut,
    answers,
)
from staffroom.errors import Invalid
from staffroom.messaging import actions, mentions, queries
from staffroom.messaging.models import Conversation
from staffroom.messaging.payloads import conversation_payload, member_payload

router = Router(tags=["conversations"])

MAX_MENTION_SEARCH = 100


def _payload(viewer: Person, conversation: Conversation) -> dict[str, Any]:
    summary = queries.conversation_summary(viewer, conversation)
    return conversation_payload(conversation, unread=summary.unread, member_count=summary.member_count)


def _school(viewer: Person, school_id: int | None) -> School | None:
    if school_id is None:
        return None
    school = School.objects.filter(pk=school_id, organisation_id=viewer.organisation_id).first()
    if school is None:
        raise Invalid("school_id", _("There is no school with id %(id)s in your organisation.") % {"id": school_id})
    return school


def _school_class(viewer: Person, class_id: int | None) -> SchoolClass | None:
    if class_id is None:
        return None
    found = (
        SchoolClass.objects.select_related("school")
        .filter(pk=class_id, school__organisation_id=viewer.organisation_id)
        .first()
    )
    if found is None:
        raise Invalid("school_class_id", _("There is no class with id %(id)s in your organisation.") % {"id": class_id})
    return found


@router.get("", response=answers({200: ConversationPage}), summary="Your conversations")
def list_conversations(request: HttpRequest) -> dict[str, Any]:
    """The conversations you belong to, most recent activity first, with your unread counts."""
    summaries = queries.conversation_summaries(caller(request))
    items = [conversation_payload(s.conversation, unread=s.unread, member_count=s.member_count) for s in summaries]
    return {"items": items, "next": None}


@router.post("", response=answers({201: ConversationOut}), summary="Start a conversation")
def create_conversation(request: HttpRequest, data: ConversationIn) -> Status[dict[str, Any]]:
    """Start a channel, group, direct message, announcement channel or class channel, with you as its owner (a
    direct message has no owner: nobody in it can remove the other or hide their messages). Starting a direct
    message with exactly the same people again returns the existing one. An announcement channel with
    `audience: school_staff` is for all staff of the school (its members worked out here, and kept up to date)."""
    viewer = caller(request)
    if data.audience == "school_staff":
        if data.kind != Conversation.Kind.ANNOUNCEMENT:
            raise Invalid("audience", _("Only an announcement channel can be for all staff of a school."))
        school = _school(viewer, data.school_id) or viewer.school
        if school is None:
            raise Invalid("school_id", _("Choose the school whose staff it is for."))
        announcement = actions.create_staff_announcement(
            acting=viewer, school=school, title=data.title, description=data.description,
            include_governors=data.include_governors,
        )  # fmt: skip
        return Status(201, _payload(viewer, announcement))
    conversation = actions.create_conversation(
        acting=viewer,
        kind=data.kind,
        title=data.title,
        description=data.description,
        member_ids=data.member_ids,
        school=_school(viewer, data.school_id),
        trust_wide=data.trust_wide,
        school_class=_school_class(viewer, data.school_class_id),
    )
    return Status(201, _payload(viewer, conversation))


@router.get("/{conversation_id}", response=answers({200: ConversationOut}), summary="One conversation")
def get_conversation(request: HttpRequest, conversation_id: ObjectId) -> dict[str, Any]:
    viewer = caller(request)
    return _payload(viewer, queries.get_conversation(viewer, conversation_id))


@router.patch("/{conversation_id}", response=answers({200: ConversationOut}), summary="Rename a conversation")
def update_conversation(request: HttpRequest, conversation_id: ObjectId, data: ConversationPatch) -> dict[str, Any]:
    """Change the title or description (owners and admins of the conversation, and school leaders)."""
    viewer = caller(request)
    conversation = queries.get_conversation(viewer, conversation_id)
    actions.update_conversation(conversation, acting=viewer, title=data.title, description=data.description)
    return _payload(viewer, conversation)


@router.post("/{conversation_id}/join", response=answers({200: ConversationOut}), summary="Join a channel")
def join_channel(request: HttpRequest, conversation_id: ObjectId) -> dict[str, Any]:
    """Join an open channel of your school or trust. Joining one you are already in changes nothing."""
    viewer = caller(request)
    conversation = next((c for c in queries.joinable_channels(viewer) if c.pk == conversation_id), None)
    if conversation is None:
        conversation = queries.get_conversation(viewer, conversation_id)
    actions.join_channel(conversation, acting=viewer)
    return _payload(viewer, conversation)


@router.post("/{conversation_id}/read", response=answers({200: ReadOut}), summary="Mark as read")
def mark_read(request: HttpRequest, conversation_id: ObjectId, data: ReadIn | None = None) -> dict[str, Any]:
    """Move your read position forward, to `message_id` or to the latest message."""
    viewer = caller(request)
    conversation = queries.get_conversation(viewer, conversation_id)
    up_to = data.message_id if data is not None else None
    return {"last_read_message_id": actions.mark_read(conversation, acting=viewer, up_to_message_id=up_to)}


@router.get("/{conversation_id}/members", response=answers({200: MemberPage}), summary="Members")
def list_members(
    request: HttpRequest,
    conversation_id: ObjectId,
    q: QueryEx[
        str | None,
        P(
            max_length=MAX_MENTION_SEARCH,
            description="Who can be @mentioned: at most a few active members (not you) whose first, last or any "
            "part of their name starts with this, ignoring case and accents; an empty value lists the first few.",
        ),
    ] = None,
) -> dict[str, Any]:
    """Everyone in the conversation, by name, with their role in it. With `q`, the people to offer when
    `@` and part of a name is typed (their `handle` is what to write)."""
    viewer = caller(request)
    conversation = queries.get_conversation(viewer, conversation_id)
    found = queries.members(viewer, conversation) if q is None else mentions.mention_candidates(viewer, conversation, q)
    return {"items": [member_payload(m) for m in found], "next": None}


@router.post("/{conversation_id}/members", response=answers({201: MemberOut}), summary="Add a member")
def add_member(request: HttpRequest, conversation_id: ObjectId, data: MemberIn) -> Status[dict[str, Any]]:
    """Add someone from your organisation (owners and admins of the conversation, and school leaders). Anyone
    you cannot add gets the same answer, whether the id is unknown, someone who has left, or someone you may
    not look up."""
    viewer = caller(request)
    conversation = queries.get_conversation(viewer, conversation_id)
    membership = actions.add_member(conversation, data.person_id, acting=viewer)
    return Status(201, member_payload(membership))


@router.delete(
    "/{conversation_id}/members/{user_id}", response=answers({204: None}), summary="Remove a member, or leave"
)
def remove_member(request: HttpRequest, conversation_id: ObjectId, user_id: ObjectId) -> Status[None]:
    """Take someone out of the conversation; use your own id to leave it."""
    viewer = caller(request)
    conversation = queries.get_conversation(viewer, conversation_id)
    actions.remove_member(conversation, user_id, acting=viewer)
    return Status(204, None)
