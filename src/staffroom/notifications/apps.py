from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "staffroom.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from staffroom.messaging import events
        from staffroom.notifications import outbox

        events.when_posted(outbox.enqueue)
