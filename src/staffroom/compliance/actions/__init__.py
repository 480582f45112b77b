"""Every state change of the school's records: the breach register and lost devices (and, as they land,
retention, legal holds, subject access, erasure, investigations and policies). Each action checks permission,
changes rows in one transaction and writes its audit entry last (DESIGN.md invariant 1). Views, the API, the
worker and commands call these.

One module per subject; this package's names are the public ones.
"""

from staffroom.compliance.actions.breaches import close_breach, decide_breach, record_breach, report_lost_device
from staffroom.compliance.actions.sars import (
    answer_sar,
    export_sar,
    extend_sar,
    log_sar,
    pause_sar,
    record_identity_checked,
    redact_sar_message,
    remind_sar,
    resume_sar,
    review_sar,
    view_sar_messages,
    withdraw_sar,
)

__all__ = [
    "answer_sar",
    "close_breach",
    "decide_breach",
    "export_sar",
    "extend_sar",
    "log_sar",
    "pause_sar",
    "record_breach",
    "record_identity_checked",
    "redact_sar_message",
    "remind_sar",
    "report_lost_device",
    "resume_sar",
    "review_sar",
    "view_sar_messages",
    "withdraw_sar",
]
