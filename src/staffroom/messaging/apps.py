from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "staffroom.messaging"
    label = "messaging"
    verbose_name = "Messaging"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from staffroom.messaging import events, search_index

        events.register()
        post_migrate.connect(search_index.after_migrate, sender=self)
