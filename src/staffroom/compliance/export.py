"""The audit log as a CSV download, for the API and the compliance console alike."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.http import HttpResponse
from django.utils import timezone

from staffroom.compliance import audit
from staffroom.spreadsheet import spreadsheet_safe

CSV_COLUMNS = ["id", "created_at", "actor_label", "actor_service", "action", "meaning", "target_type",
               "target_id", "target_label", "conversation_id", "reason", "channel", "ip_address"]  # fmt: skip


def audit_csv(entries: Any) -> HttpResponse:
    """The entries as CSV (spreadsheet formulas neutralised), read from the database in batches."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for entry in entries.iterator(chunk_size=2000):
        shown = audit.entry_payload(entry)
        row = {**shown, "target_type": entry.target_type, "target_id": entry.target_id,
               "target_label": entry.target_label}  # fmt: skip
        writer.writerow([spreadsheet_safe(row[c]) for c in CSV_COLUMNS])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="staffroom-audit-{stamp}.csv"'
    response["Cache-Control"] = "private, no-store"
    return response
