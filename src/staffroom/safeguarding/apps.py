from django.apps import AppConfig


class SafeguardingConfig(AppConfig):
    name = "staffroom.safeguarding"
    label = "safeguarding"
    verbose_name = "Safeguarding"
