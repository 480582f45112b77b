"""Who has accepted the staff policies, as a CSV download for the DPO's evidence (the API and the console alike)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from django.http import HttpResponse
from django.utils import timezone

from staffroom.accounts.models import Role
from staffroom.compliance.policies import STANDING_LABELS
from staffroom.compliance.queries import PolicyEvidence
from staffroom.spreadsheet import spreadsheet_safe

CSV_COLUMNS = ["policy", "current_version", "name", "email", "school", "roles", "standing",
               "last_accepted_version", "last_accepted_at"]  # fmt: skip


def evidence_csv(evidences: Iterable[PolicyEvidence], *, name: str = "policies") -> HttpResponse:
    """Everyone each policy asks, with where they stand (those who have not accepted first), formulas neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for evidence in evidences:
        version = evidence.policy.current
        assert version is not None
        for shown in evidence.people:
            person = shown.person
            row = [
                evidence.policy.get_kind_display(), version.label, person.name, person.email,
                person.school.name if person.school else "", ", ".join(str(Role(r).label) for r in person.role_codes),
                STANDING_LABELS[shown.standing], shown.last_label,
                timezone.localtime(shown.last_at).strftime("%Y-%m-%d %H:%M") if shown.last_at else "",
            ]  # fmt: skip
            writer.writerow([spreadsheet_safe(cell) for cell in row])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="staffroom-{name}-{stamp}.csv"'
    response["Cache-Control"] = "private, no-store"
    return response
