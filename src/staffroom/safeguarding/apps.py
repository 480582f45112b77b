from django.apps import AppConfig


class SafeguardingConfig(AppConfig):
    name = "staffroom.safeguarding"
    label = "safeguarding"
    verbose_name = "Safeguarding"

    def ready(self) -> None:
        from staffroom.safeguarding import alerts
        from staffroom.safeguarding.signals import concern_raised

        concern_raised.connect(alerts.on_concern_raised, dispatch_uid="safeguarding.alert_leads")

        from staffroom.messaging import screening
        from staffroom.safeguarding.send_path import screen_send

        # Every message is checked against its school's safeguarding policy before it is posted.
        screening.register(screen_send)
