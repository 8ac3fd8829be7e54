"""A demo practice with one user per role, so every feature can be seen locally."""

from django.core.management.base import BaseCommand
from django.db import transaction

from reactivate.demo import demo_seed


class Command(BaseCommand):
    help = "Create (or refresh) the demo practice and print its logins."

    def handle(self, *args, **options):
        with transaction.atomic():
            result = demo_seed()
        self.stdout.write(f"Demo practice: {result.practice.name} (/p/{result.practice.slug}/)")
        self.stdout.write("Logins (username / password):")
        for role, username in result.logins:
            self.stdout.write(f"  {role:<12} {username} / {result.password}")
