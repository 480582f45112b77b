"""The conversation page: messages, loading older ones, the composer, sending and marking as read."""

from __future__ import annotations

import contextlib
import json
import uuid
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from staffroom.accounts import permissions
from staffroom.accounts.models import Person
from staffroom.errors import (
    ConfirmRequired,
    Invalid,
    NotFound,
    QuotaExceeded,
    StaffroomError,
    TooLarge,
    UnsupportedMedia,
)
from staffroom.messaging import actions, emoji_set, queries, uploads
from staffroom.messaging.models import Attachment, Conversation, Message
from staffroom.web import outside_hours
from staffroom.web.forms import ComposerForm, show_error
from staffroom.web.guards import is_htmx, signed_in
from staffroom.web.pages import stream_position, viewer_of, with_sidebar
from staffroom.web.sidebar import conversation_name
from staffroom.web.timeline import Timeline, snippet
from staffroom.web.views.pins import pinned_rows


def composer_context(
    viewer: Person,
    conversation: Conversation,
    form: ComposerForm | None = None,
    *,
    reply_to_id: int | None = None,
    attachments: list[Attachment] | None = None,
    nudge: ConfirmRequired | None = None,
) -> dict[str, Any]:
    """The composer, new (with a fresh client_id, so a double submit posts once) or as it was sent; with the
    safeguarding nudge (what was found, and "Send anyway") when the school's policy asks the sender to check."""
    if form is None:
        form = ComposerForm(initial={"client_id": uuid.uuid4().hex, "reply_to": reply_to_id})
    else:
        reply_to_id = form.cleaned_data.get("reply_to")  # the form has been validated by the view
    reply = _reply_target(viewer, conversation, reply_to_id)
    return {
        "composer": form,
        "composer_client_id": form["client_id"].value(),
        "can_post": queries.may_post(viewer, conversation),
        "posting_refusal": queries.posting_refusal(viewer, conversation),
        # Writing a direct message outside the other person's working hours: when they will be notified.
        "outside_hours_hint": outside_hours.direct_message_hint(viewer, conversation),
        "reply": reply,
        "reply_snippet": snippet(reply) if reply is not None else "",
        "kept_attachments": attachments or [],
        # For the browser's own check before uploading (uploads.js); the server checks again.
        "upload_max_bytes": settings.STAFFROOM_MAX_UPLOAD_BYTES,
        "upload_accept": uploads.BROWSER_ACCEPT,
        # The last send asked the sender to check first (ConfirmRequired): what was found, and "Send anyway".
        "nudge": nudge,
        "nudge_photo": bool(nudge and any(f.get("kind") == "photo_faces" for f in nudge.findings)),
        # Headteachers may mark an announcement urgent (its notification ignores working hours).
        "may_mark_urgent": conversation.kind == Conversation.Kind.ANNOUNCEMENT
        and permissions.allows(viewer, "announcement.urgent", conversation),
    }


def _reply_target(viewer: Person, conversation: Conversation, message_id: int | None) -> Message | None:
    if not message_id:
        return None
    try:
        message = queries.get_message(viewer, message_id)
    except NotFound:
        return None
    if message.conversation_id != conversation.pk or message.deleted_at is not None:
        return None
    return message


def _page_cursor(raw: str | None) -> int | None:
    try:
        return queries.parse_cursor(raw)
    except Invalid:
        return None


def _member_count(request: HttpRequest, context: dict[str, Any], conversation: Conversation) -> int:
    summary = context["sidebar"].summaries.get(conversation.pk)
    if summary is not None:
        return int(summary.member_count)
    return len(queries.members(viewer_of(request), conversation))


def render_conversation(
    request: HttpRequest,
    conversation: Conversation,
    *,
    composer: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    viewer = viewer_of(request)
    seq = stream_position(request)
    before = _page_cursor(request.GET.get("before"))
    # Showing the page does not mark it read (a GET changes nothing, so a link from another site cannot fake
    # "seen"): page.js posts to web:mark_read once the person can actually see the messages.
    page = queries.message_page(viewer, conversation, before=before)
    context = with_sidebar(request, current_id=conversation.pk, seq=seq)
    member_count = _member_count(request, context, conversation)
    timeline = Timeline(viewer, conversation, member_count=member_count)
    reply_to = _page_cursor(request.GET.get("reply_to"))
    membership = queries.membership(viewer, conversation)
    summary = context["sidebar"].summaries.get(conversation.pk)
    context.update(
        conversation=conversation,
        conversation_title=conversation_name(viewer, conversation),
        member_count=member_count,
        is_member=membership is not None,
        notify=membership.notify if membership is not None else None,
        rows=timeline.rows(page.items),
        older_cursor=page.next,
        first_unread_id=_first_unread(viewer, page.items, summary) if before is None else None,
        # A page of history (from search, or "load older" without JavaScript) does not grow at the bottom.
        live_append=before is None,
        emoji_data_url=reverse("web:emoji_data", args=[emoji_set.VERSION]),
        pins=pinned_rows(viewer, conversation),  # the "Pinned" strip shows the first, the latest pinned
        **(composer or composer_context(viewer, conversation, reply_to_id=reply_to)),
    )
    # Arriving from "New message", the next thing to do is write: the composer takes the focus.
    context.setdefault("focus", request.GET.get("focus") == "composer")
    return render(request, "staffroom/conversation.html", context, status=status)


def _first_unread(viewer: Person, messages: list[Message], summary: queries.ConversationSummary | None) -> int | None:
    """The first message on the page the viewer has not read (someone else's, not deleted): the "New messages"
    line goes above it."""
    if summary is None:
        return None
    for message in messages:
        if message.pk > summary.last_read_message_id and message.author_id != viewer.pk and not message.deleted_at:
            return message.pk
    return None


@signed_in
@require_GET
def conversation(request: HttpRequest, conversation_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    return render_conversation(request, queries.get_conversation(viewer, conversation_id))


@signed_in
@require_GET
def older(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """The page of messages before `before`, with the button for the page before that."""
    viewer = viewer_of(request)
    conversation = queries.get_conversation(viewer, conversation_id)
    page = queries.message_page(viewer, conversation, before=queries.parse_cursor(request.GET.get("before")))
    context = {
        "conversation": conversation,
        "rows": Timeline(viewer, conversation).rows(page.items, receipts=False),
        "older_cursor": page.next,
    }
    return render(request, "staffroom/conversation.html#older", context)


@signed_in
@require_GET
def composer(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """A fresh composer, replying to `reply_to` when given (the Reply and Cancel buttons fetch this)."""
    viewer = viewer_of(request)
    conversation = queries.get_conversation(viewer, conversation_id)
    reply_to = _page_cursor(request.GET.get("reply_to"))
    context = {
        "conversation": conversation,
        "focus": True,
        **composer_context(viewer, conversation, reply_to_id=reply_to),
    }
    return render(request, "staffroom/conversation.html#composer", context)


@signed_in
@require_POST
def send(request: HttpRequest, conversation_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    conversation = queries.get_conversation(viewer, conversation_id)
    form = ComposerForm(request.POST, request.FILES)
    attachments: list[Attachment] = []
    message: Message | None = None
    nudge: ConfirmRequired | None = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            attachments = [queries.get_attachment(viewer, a) for a in data["attachment_ids"]]
            actions.check_may_post(conversation, acting=viewer, files=len(attachments) + len(data["file"]))
            for upload in data["file"]:
                attachments.append(_store(viewer, upload))
            message, _created = actions.send_message(
                conversation,
                acting=viewer,
                body=data["body"],
                client_id=data["client_id"],
                reply_to_id=data["reply_to"],
                attachment_ids=[str(a.pk) for a in attachments],
                urgent=data["urgent"],
                confirmed=data["confirmed"],
            )
        except ConfirmRequired as exc:
            # The text stays in the composer to edit; "Send anyway" posts it as it is.
            nudge = exc
        except StaffroomError as exc:
            show_error(form, exc, default_field="file" if isinstance(exc, TooLarge | UnsupportedMedia) else None)
            if isinstance(exc, QuotaExceeded):
                # The error says to send or remove the files waiting; offer every one of them to do that with.
                attachments = queries.own_unsent_uploads(viewer)
    if message is None:
        # Files already stored stay attached to the retry, so nobody has to choose them again.
        composer = composer_context(viewer, conversation, form, attachments=attachments, nudge=nudge)
        if is_htmx(request):
            return render(
                request, "staffroom/conversation.html#composer", {"conversation": conversation, **composer}, status=422
            )
        return render_conversation(request, conversation, composer=composer, status=422)
    if not is_htmx(request):
        return redirect(reverse("web:conversation", args=[conversation.pk]) + f"#message-{message.pk}")
    response = render(
        request,
        "staffroom/conversation.html#composer",
        {"conversation": conversation, "focus": True, **composer_context(viewer, conversation)},
    )
    # The page shows the message through the same path as everyone else's (insert, or replace if the socket
    # delivered it first), so it appears once whichever arrives first.
    response["HX-Trigger"] = json.dumps(
        {"staffroom:message-sent": {"conversationId": conversation.pk, "messageId": message.pk}}
    )
    return response


@signed_in
@require_POST
def discard_upload(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """Remove one file the composer holds from an earlier attempt (`discard`); what was written stays."""
    viewer = viewer_of(request)
    conversation = queries.get_conversation(viewer, conversation_id)
    form = ComposerForm(request.POST)
    form.is_valid()  # only to read back what was written; nothing is sent from here
    discard = request.POST.get("discard", "")
    # Sent, removed in another tab, or never one's own: then taking it off the list is all there is to do.
    with contextlib.suppress(NotFound):
        actions.discard_upload(discard, acting=viewer)
    kept = set(form.cleaned_data.get("attachment_ids") or [])
    attachments = [a for a in queries.own_unsent_uploads(viewer) if str(a.pk) in kept]
    composer = composer_context(viewer, conversation, form, attachments=attachments)
    if is_htmx(request):
        return render(request, "staffroom/conversation.html#composer", {"conversation": conversation, **composer})
    return render_conversation(request, conversation, composer=composer)


def _store(viewer: Person, upload: Any) -> Attachment:
    limit = settings.STAFFROOM_MAX_UPLOAD_BYTES
    if upload.size is not None and upload.size > limit:
        # Refused before reading, so a huge file is never held in memory.
        raise TooLarge(
            _("%(name)s is %(size)s; files can be at most %(limit)s. Please make it smaller and try again.")
            % {"name": upload.name, "size": filesizeformat(upload.size), "limit": filesizeformat(limit)}
        )
    return actions.store_upload(
        acting=viewer, data=upload.read(), filename=upload.name or "", declared_type=upload.content_type or ""
    )


@signed_in
@require_POST
def mark_read(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """The page has shown messages up to `up_to` while visible; move the reader's position there. Only this
    POST (with its CSRF token) moves it."""
    viewer = viewer_of(request)
    conversation = queries.get_conversation(viewer, conversation_id)
    try:
        up_to = int(request.POST.get("up_to", ""))
    except ValueError:
        up_to = None
    actions.mark_read(conversation, acting=viewer, up_to_message_id=up_to)
    return HttpResponse(status=204)


@signed_in
@require_POST
def set_notify(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """Mute this conversation, or be notified only of mentions here (or follow one's own setting again)."""
    viewer = viewer_of(request)
    conversation = queries.get_conversation(viewer, conversation_id)
    try:
        actions.set_notify(conversation, acting=viewer, notify=request.POST.get("notify", ""))
    except Invalid as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Saved: which messages here notify you."))
    return redirect("web:conversation", conversation.pk)
