"""The accountability report (`/compliance/accountability/`): one printable page of live evidence mapped to the
ICO Accountability Framework, for the data protection officer and headteachers."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from staffroom.compliance import accountability
from staffroom.errors import NotFound
from staffroom.web.guards import signed_in
from staffroom.web.pages import viewer_of


@signed_in
@require_GET
def accountability_page(request: HttpRequest) -> HttpResponse:
    viewer = viewer_of(request)
    if not accountability.may_view(viewer):
        raise NotFound()  # the console does not show itself to those who may not use it
    today = timezone.localdate()
    categories = accountability.report(viewer, today)
    attention = sum(1 for c in categories for e in c.evidence if e.state == accountability.ATTENTION)
    context = {"categories": categories, "today": today, "attention": attention, "console_section": "accountability"}
    return render(request, "staffroom/compliance/accountability.html", context)
