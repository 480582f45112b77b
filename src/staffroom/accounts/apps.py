from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "staffroom.accounts"
    label = "accounts"
    verbose_name = "People and organisations"

    def ready(self) -> None:
        from staffroom.accounts import signals

        signals.connect()
