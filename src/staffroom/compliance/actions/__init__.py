"""Every state change of the school's records: backups, the breach register and lost devices, retention rules
and runs, legal holds, subject access requests, erasure, investigation exports, "download my data" and the staff
policies. Each action checks permission, changes rows in one transaction and writes its audit entry last
(DESIGN.md invariant 1). Views, the API, the worker and commands call these.

One module per subject; this package's names are the public ones.
"""

from staffroom.compliance.actions.backups import record_backup, record_restore
from staffroom.compliance.actions.breaches import close_breach, decide_breach, record_breach, report_lost_device
from staffroom.compliance.actions.erasure import decide_erasure, request_erasure
from staffroom.compliance.actions.holds import place_hold, release_hold
from staffroom.compliance.actions.investigations import (
    approve_investigation_export,
    download_investigation_export,
    refuse_investigation_export,
    request_investigation_export,
)
from staffroom.compliance.actions.my_data import export_my_data
from staffroom.compliance.actions.policies import acknowledge_policy, publish_policy
from staffroom.compliance.actions.retention import remove_retention_rule, run_retention, set_retention_rule
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
    "acknowledge_policy",
    "answer_sar",
    "approve_investigation_export",
    "close_breach",
    "decide_breach",
    "decide_erasure",
    "download_investigation_export",
    "export_my_data",
    "export_sar",
    "extend_sar",
    "log_sar",
    "pause_sar",
    "place_hold",
    "publish_policy",
    "record_backup",
    "record_breach",
    "record_identity_checked",
    "record_restore",
    "redact_sar_message",
    "refuse_investigation_export",
    "release_hold",
    "remind_sar",
    "remove_retention_rule",
    "report_lost_device",
    "request_erasure",
    "request_investigation_export",
    "resume_sar",
    "review_sar",
    "run_retention",
    "set_retention_rule",
    "view_sar_messages",
    "withdraw_sar",
]
