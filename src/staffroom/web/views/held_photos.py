"""Releasing or removing a photo held for review, from the buttons on its message (safeguarding/actions/photos.py)."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_POST

from staffroom.errors import Invalid
from staffroom.messaging import queries
from staffroom.safeguarding import actions
from staffroom.web.guards import signed_in
from staffroom.web.pages import viewer_of
from staffroom.web.views.messages import render_message


@signed_in
@require_POST
def release_photo(request: HttpRequest, attachment_id: UUID) -> HttpResponse:
    return _review(request, attachment_id, actions.release_photo)


@signed_in
@require_POST
def remove_photo(request: HttpRequest, attachment_id: UUID) -> HttpResponse:
    return _review(request, attachment_id, actions.remove_photo)


def _review(request: HttpRequest, attachment_id: UUID, action: actions.photos.Review) -> HttpResponse:
    viewer = viewer_of(request)
    photo = queries.photo_for_review(viewer, str(attachment_id))  # 404 before anything else
    assert photo.message is not None
    try:
        action(str(attachment_id), acting=viewer)
    except Invalid as error:
        # Someone else got there first: the refreshed message shows how things stand.
        messages.info(request, error.message)
        return render_message(request, photo.message, status=422)
    return render_message(request, photo.message)
