from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "staffroom.messaging"
    label = "messaging"
    verbose_name = "Messaging"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from staffroom.accounts import joining
        from staffroom.messaging import events, search_index
        from staffroom.messaging.actions import audiences

        events.register()
        joining.when_joined(audiences.on_joined)  # new staff join their school's "all staff" announcements
        post_migrate.connect(search_index.after_migrate, sender=self)
