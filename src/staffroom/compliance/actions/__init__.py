"""Every state change of the school's records: the breach register and lost devices, investigation exports
and "download my data" (and, as they land, retention, legal holds, subject access, erasure and policies). Each
action checks permission, changes rows in one transaction and writes its audit entry last (DESIGN.md invariant
1). Views, the API, the worker and commands call these.

One module per subject; this package's names are the public ones.
"""

from staffroom.compliance.actions.breaches import close_breach, decide_breach, record_breach, report_lost_device
from staffroom.compliance.actions.investigations import (
    approve_investigation_export,
    download_investigation_export,
    refuse_investigation_export,
    request_investigation_export,
)
from staffroom.compliance.actions.my_data import export_my_data

__all__ = [
    "approve_investigation_export",
    "close_breach",
    "decide_breach",
    "download_investigation_export",
    "export_my_data",
    "record_breach",
    "refuse_investigation_export",
    "report_lost_device",
    "request_investigation_export",
]
