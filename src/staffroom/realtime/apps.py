from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    name = "staffroom.realtime"
    label = "realtime"
    verbose_name = "Realtime"
