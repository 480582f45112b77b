from django.apps import AppConfig


class ScimConfig(AppConfig):
    name = "staffroom.scim"
    label = "scim"
    verbose_name = "SCIM provisioning"

    def ready(self) -> None:
        from staffroom.scim import forgetting

        forgetting.connect()
