"""Every state change in messaging. Each action checks permission, changes rows in one transaction (domain rows
locked first, then the event stream, then the audit chain: docs/architecture.md), publishes its realtime events
and writes its audit entry last (DESIGN.md invariant 1). Views, the API and commands call these.

One module per subject; this package's names are the public ones.
"""

from staffroom.messaging.actions.announcements import acknowledge, remind_unacknowledged
from staffroom.messaging.actions.audiences import add_to_staff_audiences, create_staff_announcement
from staffroom.messaging.actions.class_lists import (
    assign_teachers,
    enrol_pupils,
    open_class_channel,
    unassign_teachers,
    unenrol_pupils,
)
from staffroom.messaging.actions.conversations import MAX_DIRECT_MEMBERS, create_conversation, update_conversation
from staffroom.messaging.actions.externals import approve_external, refuse_external, request_external
from staffroom.messaging.actions.files import discard_upload, store_upload
from staffroom.messaging.actions.limits import (
    CREATE_LIMIT,
    EDIT_LIMIT,
    MEMBERSHIP_LIMIT,
    REACTION_LIMIT,
    REMIND_LIMIT,
    RENAME_LIMIT,
)
from staffroom.messaging.actions.members import add_member, join_channel, remove_member, set_notify
from staffroom.messaging.actions.messages import (
    MAX_ATTACHMENTS,
    RECEIPT_FANOUT_LIMIT,
    check_may_post,
    delete_message,
    edit_message,
    mark_read,
    react,
    send_message,
)
from staffroom.messaging.actions.pins import pin_message, unpin_message
from staffroom.messaging.actions.provisioned import (
    archive_provisioned_conversation,
    change_provisioned_conversation,
    provision_conversation,
)
from staffroom.messaging.actions.reviews import review_members
from staffroom.messaging.actions.supervision import (
    MessageHistory,
    hide_message,
    set_posting_rules,
    set_pupil_posting_policy,
    view_message_history,
)

__all__ = [
    "CREATE_LIMIT",
    "EDIT_LIMIT",
    "MAX_ATTACHMENTS",
    "MAX_DIRECT_MEMBERS",
    "MEMBERSHIP_LIMIT",
    "REACTION_LIMIT",
    "RECEIPT_FANOUT_LIMIT",
    "REMIND_LIMIT",
    "RENAME_LIMIT",
    "MessageHistory",
    "acknowledge",
    "add_member",
    "add_to_staff_audiences",
    "approve_external",
    "archive_provisioned_conversation",
    "assign_teachers",
    "change_provisioned_conversation",
    "check_may_post",
    "create_conversation",
    "create_staff_announcement",
    "delete_message",
    "discard_upload",
    "edit_message",
    "enrol_pupils",
    "hide_message",
    "join_channel",
    "mark_read",
    "open_class_channel",
    "pin_message",
    "provision_conversation",
    "react",
    "refuse_external",
    "remind_unacknowledged",
    "remove_member",
    "request_external",
    "review_members",
    "send_message",
    "set_notify",
    "set_posting_rules",
    "set_pupil_posting_policy",
    "store_upload",
    "unassign_teachers",
    "unenrol_pupils",
    "unpin_message",
    "update_conversation",
    "view_message_history",
]
