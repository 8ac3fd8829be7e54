"""A demo practice with one user per role, so every feature can be seen locally.

Each app may add its part in a ``demo`` module with ``demo_extend(practice) -> list[str]``
(lines to print); they run in INSTALLED_APPS order, so contacts exist before campaigns.
"""

from importlib import import_module

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.module_loading import module_has_submodule

from reactivate.demo import demo_seed


class Command(BaseCommand):
    help = "Create (or refresh) the demo practice and print its logins."

    def handle(self, *args, **options):
        with transaction.atomic():
            result = demo_seed()
            notes = []
            for config in apps.get_app_configs():
                if config.name != "reactivate" and module_has_submodule(config.module, "demo"):
                    notes += import_module(f"{config.name}.demo").demo_extend(result.practice)
        self.stdout.write(f"Demo practice: {result.practice.name} (/p/{result.practice.slug}/)")
        for note in notes:
            self.stdout.write(note)
        self.stdout.write("Logins (username / password):")
        for role, username in result.logins:
            self.stdout.write(f"  {role:<12} {username} / {result.password}")
