"""The group register as a spreadsheet (CSV): one download for the API and the web page alike.

Titles and names are typed by anyone, and a spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` as a
formula (CSV injection: `=HYPERLINK(...)` sends data elsewhere). Such a cell is written with a leading `'`, which
spreadsheets show as text; so are cells starting with a tab or a carriage return, which some programs skip to
find a formula behind them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date, datetime

from django.http import HttpResponse
from django.utils import timezone

from staffroom.messaging.queries import RegisterRow
from staffroom.spreadsheet import spreadsheet_safe

COLUMNS = (
    "id",
    "kind",
    "title",
    "school",
    "owners",
    "member_count",
    "external_count",
    "created_at",
    "last_activity_at",
    "last_reviewed_at",
    "archived",
)


def _when(moment: datetime | None) -> str:
    return moment.isoformat() if moment else ""


def _cells(row: RegisterRow) -> list[object]:
    return [
        row.id,
        row.kind,
        row.title,
        row.school,
        "; ".join(owner.name for owner in row.owners),
        row.member_count,
        row.external_count,
        _when(row.created_at),
        _when(row.last_activity_at),
        _when(row.last_reviewed_at),
        "yes" if row.archived else "no",
    ]


def register_csv(rows: Iterable[RegisterRow]) -> str:
    """The rows as CSV text with a header row."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([spreadsheet_safe(cell) for cell in _cells(row)])
    return out.getvalue()


def filename(today: date) -> str:
    return f"group-register-{today.isoformat()}.csv"


def download(rows: Iterable[RegisterRow]) -> HttpResponse:
    """The rows as a CSV file to save (cache_control marks it private, as every signed-in answer)."""
    response = HttpResponse(register_csv(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename(timezone.localdate())}"'
    return response
