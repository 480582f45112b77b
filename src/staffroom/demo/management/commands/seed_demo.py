"""`staffroom seed_demo`: create the demo organisation (once)."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from staffroom.demo import seed as demo


class Command(BaseCommand):
    help = "Create the demo organisation, Oakfield Academy Trust, unless it already exists."

    def handle(self, *args: Any, **options: Any) -> None:
        result = demo.seed(settings.STAFFROOM_DEMO_PASSWORD)
        if not result.created:
            self.stdout.write("The demo organisation already exists; nothing to do.")
            return
        self.stdout.write("Created the demo organisation Oakfield Academy Trust.")
        self.stdout.write(f"Sign in as admin@{demo.DOMAIN}, head@, dpo@, dsl@, teacher1@, teacher2@, ta1@,")
        self.stdout.write("office1@, governor1@, pupil1@ or pupil2@" + demo.DOMAIN + ".")
        self.stdout.write(
            "No second sign-in step is required in the demo trust, so the password alone signs in every login."
        )
        self.stdout.write("A real organisation requires one of its leaders; change it at /admin/sign-in/.")
        if result.generated_password:
            self.stdout.write(f"Demo password (shown once, not stored): {result.password}")
        else:
            self.stdout.write("Demo password: the value of STAFFROOM_DEMO_PASSWORD.")
