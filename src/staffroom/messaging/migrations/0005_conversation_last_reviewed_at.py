"""When a conversation's members were last confirmed: the termly membership review will set it, and the group
register shows it. Empty for every conversation until its first review."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("messaging", "0004_direct_messages_have_no_owner")]

    operations = [
        migrations.AddField(
            model_name="conversation",
            name="last_reviewed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
