from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "staffroom.web"
    label = "web"
    verbose_name = "Web app"
