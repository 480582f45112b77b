from django.apps import AppConfig


class WorkerConfig(AppConfig):
    name = "staffroom.worker"
    label = "worker"
    verbose_name = "Scheduled work"
