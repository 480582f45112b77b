"""Cells for CSV downloads that people open in a spreadsheet: text that starts like a formula (`=`, `+`, `-`,
`@`, a tab or a carriage return) is written with a leading `'`, so it shows as text and never runs."""

from __future__ import annotations

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: object) -> str:
    """`value` as a cell that a spreadsheet shows as text and never runs as a formula."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(_FORMULA_STARTS) else text
