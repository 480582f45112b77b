"""Days a school is shut: weekends, the bank holidays of its nation, and the closures it enters itself (term
holidays, INSET days; accounts.models.SchoolClosure).

Bank holidays differ between the UK's nations; `STAFFROOM_SAR_NATION` (settings.py) chooses which, as it does for
subject access deadlines (compliance/sar_dates.py, which keeps the names of the nations). Pure functions of
dates, apart from `closure_on`, which reads the school's closures.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings

from staffroom.compliance.sar_dates import DEFAULT_NATION, NATIONS, is_working_day


def nation() -> str:
    """The nation whose bank holidays the schools keep: the setting, else England and Wales."""
    chosen = getattr(settings, "STAFFROOM_SAR_NATION", DEFAULT_NATION)
    return chosen if chosen in NATIONS else DEFAULT_NATION


def is_school_day(day: date) -> bool:
    """Monday to Friday and not a bank holiday (closures are the school's own: see `closure_on`)."""
    return is_working_day(day, nation())


def closure_on(school_id: int | None, day: date) -> str:
    """The label of the school's closure covering `day` ("INSET day"), or ""."""
    from staffroom.accounts.models import SchoolClosure

    if school_id is None:
        return ""
    found = SchoolClosure.objects.filter(school_id=school_id, starts_on__lte=day, ends_on__gte=day).first()
    return found.label if found else ""
