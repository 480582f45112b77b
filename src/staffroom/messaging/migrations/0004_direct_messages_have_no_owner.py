"""Direct messages used to make their starter "owner", who could then remove the other person and hide their
messages. Nobody runs a direct message now; this turns the owners (and any admins) there into plain members."""

from typing import Any

from django.db import migrations


def direct_message_owners_become_members(apps: Any, schema_editor: Any) -> None:
    Membership = apps.get_model("messaging", "Membership")
    Membership.objects.filter(conversation__kind="direct").exclude(role="member").update(role="member")


class Migration(migrations.Migration):
    dependencies = [("messaging", "0003_events_move_to_realtime")]

    # Not reversed: who started a direct message is still in Conversation.created_by, and nobody should
    # become its owner again.
    operations = [migrations.RunPython(direct_message_owners_become_members, migrations.RunPython.noop)]
