"""Every state change about people: tokens and sessions, how people sign in, and (for the school's admins)
adding, changing and ending people. Each action checks permission, changes rows in one transaction and writes
its audit entry last (DESIGN.md invariant 1). Views, the API, SCIM, roster sync and commands call these.

One module per subject; this package's names are the public ones.
"""

from staffroom.accounts.actions.closures import add_school_closure, remove_school_closure
from staffroom.accounts.actions.notifications import (
    change_preferences,
    forget_push_device,
    remove_device,
    set_notification_policy,
    subscribe_device,
)
from staffroom.accounts.actions.people import (
    ASSIGNABLE_ROLES,
    TRUST_ROLES,
    UNCHANGED,
    add_person,
    change_person,
    deactivate_person,
    end_leavers,
    end_sessions,
    reactivate_person,
    send_sign_in_link,
    update_person,
)
from staffroom.accounts.actions.schools import add_class, add_school, update_class, update_school
from staffroom.accounts.actions.scim_tokens import create_scim_token, note_scim_token_used, revoke_scim_token
from staffroom.accounts.actions.sessions import (
    create_token,
    end_access,
    end_devices,
    end_other_sessions,
    record_sign_in,
    record_sign_out,
    revoke_token,
    revoke_token_by_raw,
)
from staffroom.accounts.actions.sign_in import (
    configure_sign_in_provider,
    link_sign_in_account,
    reset_second_factor,
    set_second_factor_rule,
)

__all__ = [
    "ASSIGNABLE_ROLES",
    "TRUST_ROLES",
    "UNCHANGED",
    "add_class",
    "add_person",
    "add_school",
    "add_school_closure",
    "change_person",
    "change_preferences",
    "configure_sign_in_provider",
    "create_scim_token",
    "create_token",
    "deactivate_person",
    "end_access",
    "end_devices",
    "end_leavers",
    "end_other_sessions",
    "end_sessions",
    "forget_push_device",
    "link_sign_in_account",
    "note_scim_token_used",
    "reactivate_person",
    "record_sign_in",
    "record_sign_out",
    "remove_device",
    "remove_school_closure",
    "reset_second_factor",
    "revoke_scim_token",
    "revoke_token",
    "revoke_token_by_raw",
    "send_sign_in_link",
    "set_notification_policy",
    "set_second_factor_rule",
    "subscribe_device",
    "update_class",
    "update_person",
    "update_school",
]
