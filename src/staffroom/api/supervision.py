"""Supervised class channels: the safeguarding lead reads a message's full history (with a reason, audited) and
hides a harmful message; those who run a class channel set its pupil posting rules; the school's policy for
links and files from pupils."""

from __future__ import annotations

from datetime import time
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from staffroom.accounts import permissions
from staffroom.accounts.models import School
from staffroom.api.auth import caller
from staffroom.api.schemas import MessageOut, ObjectId, Out, Timestamp, answers
from staffroom.errors import NotFound
from staffroom.messaging import actions, queries, supervision
from staffroom.messaging.models import Message
from staffroom.messaging.payloads import message_payload

router = Router(tags=["supervised channels"])
safeguarding_router = Router(tags=["supervised channels"])


class ReasonIn(Schema):
    reason: str = Field("", description="Why you need this; kept in the audit log.")


class RevisionOut(Out):
    body: str
    html: str
    written_at: Timestamp
    replaced_at: Timestamp


class MessageHistoryOut(Out):
    message: MessageOut = Field(description="The message with its text, even when deleted or hidden.")
    deleted_by: str | None
    deleted_at: Timestamp | None
    hidden_by: str | None
    hidden_at: Timestamp | None
    revisions: list[RevisionOut] = Field(description="Earlier versions, oldest first.")


class PostingRulesIn(Schema):
    pupil_hours_start: time | None = None
    pupil_hours_end: time | None = None
    staff_only: bool = False


class PostingRulesOut(Out):
    pupil_hours_start: str | None
    pupil_hours_end: str | None
    staff_only: bool


class PupilPostingIn(Schema):
    links_allowed: bool = True
    files: str = Field("images", description="`all`, `images` or `none`.")
    reason: str = Field("", description="Why the policy changes; kept in the audit log.")


class PupilPostingOut(Out):
    school_id: int
    links_allowed: bool
    files: str


def _overseen(request: HttpRequest, message_id: int, permission: str) -> Message:
    viewer = caller(request)
    message = queries.get_message(viewer, message_id)
    if not permissions.allows(viewer, permission, message):
        raise NotFound()
    return message


@router.post(
    "/messages/{message_id}/history", response=answers({200: MessageHistoryOut}), summary="A message's history"
)
def message_history(request: HttpRequest, message_id: ObjectId, data: ReasonIn) -> dict[str, Any]:
    """For the safeguarding lead overseeing a class channel: what a message said, deleted, hidden or edited,
    with every earlier version. Needs a `reason` (422 without one); each look is audited."""
    message = _overseen(request, message_id, "message.history")
    history = actions.view_message_history(message, acting=caller(request), reason=data.reason)
    shown = {**message_payload(message), "body": message.body, "html": message.html}
    return {
        "message": shown,
        "deleted_by": message.deleted_by.name if message.deleted_by else None,
        "deleted_at": message.deleted_at.isoformat() if message.deleted_at else None,
        "hidden_by": message.hidden_by.name if message.hidden_by else None,
        "hidden_at": message.hidden_at.isoformat() if message.hidden_at else None,
        "revisions": [
            {
                "body": r.body,
                "html": r.html,
                "written_at": r.written_at.isoformat(),
                "replaced_at": r.replaced_at.isoformat(),
            }
            for r in history.revisions
        ],
    }


@router.post("/messages/{message_id}/hide", response=answers({200: MessageOut}), summary="Hide a harmful message")
def hide_message(request: HttpRequest, message_id: ObjectId, data: ReasonIn) -> dict[str, Any]:
    """For the safeguarding lead overseeing a class channel: everyone else sees the message as hidden."""
    message = _overseen(request, message_id, "message.hide")
    return message_payload(actions.hide_message(message, acting=caller(request), reason=data.reason))


def _rules(conversation: Any) -> dict[str, Any]:
    def hhmm(value: time | None) -> str | None:
        return value.strftime("%H:%M") if value else None

    return {
        "pupil_hours_start": hhmm(conversation.pupil_hours_start),
        "pupil_hours_end": hhmm(conversation.pupil_hours_end),
        "staff_only": conversation.staff_only,
    }


@router.put(
    "/conversations/{conversation_id}/posting-rules",
    response=answers({200: PostingRulesOut}),
    summary="A class channel's posting rules",
)
def set_posting_rules(request: HttpRequest, conversation_id: ObjectId, data: PostingRulesIn) -> dict[str, Any]:
    """When pupils may post (school days, between the two times; both null: any time) and teacher-only mode."""
    viewer = caller(request)
    conversation = queries.get_conversation(viewer, conversation_id)
    conversation = actions.set_posting_rules(
        conversation,
        acting=viewer,
        pupil_hours_start=data.pupil_hours_start,
        pupil_hours_end=data.pupil_hours_end,
        staff_only=data.staff_only,
    )
    return _rules(conversation)


def _school(request: HttpRequest, school_id: int) -> School:
    viewer = caller(request)
    school = School.objects.filter(pk=school_id, organisation_id=viewer.organisation_id).first()
    if school is None or not permissions.allows(viewer, "pupil_posting.manage", school):
        raise NotFound()
    return school


@safeguarding_router.get(
    "/schools/{school_id}/pupil-posting", response=answers({200: PupilPostingOut}), summary="Pupil posting policy"
)
def pupil_posting(request: HttpRequest, school_id: ObjectId) -> dict[str, Any]:
    school = _school(request, school_id)
    links_allowed, files = supervision.pupil_policy(school.pk)
    return {"school_id": school.pk, "links_allowed": links_allowed, "files": str(files)}


@safeguarding_router.put(
    "/schools/{school_id}/pupil-posting", response=answers({200: PupilPostingOut}), summary="Set pupil posting policy"
)
def set_pupil_posting(request: HttpRequest, school_id: ObjectId, data: PupilPostingIn) -> dict[str, Any]:
    """Whether pupils of the school may post links in class channels, and which files."""
    school = _school(request, school_id)
    policy = actions.set_pupil_posting_policy(
        school, acting=caller(request), links_allowed=data.links_allowed, files=data.files, reason=data.reason
    )
    return {"school_id": school.pk, "links_allowed": policy.links_allowed, "files": policy.files}
