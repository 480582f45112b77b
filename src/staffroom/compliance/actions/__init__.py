"""Every state change of the school's records: the breach register and lost devices (and, as they land,
retention, legal holds, subject access, erasure, investigations and policies). Each action checks permission,
changes rows in one transaction and writes its audit entry last (DESIGN.md invariant 1). Views, the API, the
worker and commands call these.

One module per subject; this package's names are the public ones.
"""

from staffroom.compliance.actions.breaches import close_breach, decide_breach, record_breach, report_lost_device
from staffroom.compliance.actions.policies import acknowledge_policy, publish_policy

__all__ = [
    "acknowledge_policy",
    "close_breach",
    "decide_breach",
    "publish_policy",
    "record_breach",
    "report_lost_device",
]
