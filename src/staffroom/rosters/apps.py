from django.apps import AppConfig


class RostersConfig(AppConfig):
    name = "staffroom.rosters"
    label = "rosters"
    verbose_name = "Roster import"
