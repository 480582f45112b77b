from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "staffroom.messaging"
    label = "messaging"
    verbose_name = "Messaging"

    def ready(self) -> None:
        from staffroom.messaging import events

        events.register()
