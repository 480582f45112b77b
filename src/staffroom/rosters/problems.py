"""What is wrong with a roster file, or worth knowing about it: always with the file and line it is about."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Problem:
    """An error (nothing is imported) or a warning (the import goes ahead), about `file` at `line` (1 is the
    header; None for the file as a whole). Messages name columns and identifiers, never a cell of a column
    Staffroom does not read (phone numbers and passwords among them)."""

    file: str
    line: int | None
    message: str

    def as_dict(self) -> dict[str, str | int | None]:
        return {"file": self.file, "line": self.line, "message": self.message}

    def __str__(self) -> str:
        if self.line is None:
            return f"{self.file}: {self.message}"
        return _("%(file)s line %(line)d: %(message)s") % {
            "file": self.file,
            "line": self.line,
            "message": self.message,
        }
