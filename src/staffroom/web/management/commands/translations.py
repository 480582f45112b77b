"""`staffroom translations update|compile|check`: the work of makemessages and compilemessages, without GNU gettext."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from staffroom import translations


class Command(BaseCommand):
    help = (
        "update: add new messages to each language's .po (and drop unused ones); "
        "compile: write each .mo from its .po; check: fail on untranslated, fuzzy or out-of-date catalogues."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("step", choices=["update", "compile", "check"])

    def handle(self, *args: Any, **options: Any) -> None:
        step = options["step"]
        found = translations.extract()
        failed = False
        for language in translations.TRANSLATED:
            if step == "update":
                added, removed = translations.update_catalogue(language, found)
                self.stdout.write(f"{language}: {added} new, {removed} no longer used, {len(found)} in all")
            elif step == "compile":
                path = translations.compile_catalogue(language)
                self.stdout.write(f"{language}: wrote {path.name}")
            else:
                for problem in translations.problems(language, found):
                    failed = True
                    self.stderr.write(f"{language}: {problem}")
        if failed:
            raise CommandError("The translations are not complete.")
