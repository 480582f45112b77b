from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "staffroom.api"
    label = "api"
    verbose_name = "JSON API"
