from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "staffroom.compliance"
    label = "compliance"
    verbose_name = "Records and compliance"
