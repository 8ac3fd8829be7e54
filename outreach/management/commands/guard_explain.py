"""``guard_explain`` (DESIGN §7): the send guard's verdict for a hypothetical touch, as one
JSON line; bad input is one line on stderr and a non-zero exit, never a traceback."""

import json

from django.core.management.base import BaseCommand, CommandError

from outreach.explain import (
    ExplainError,
    explain,
    explain_setting,
    parse_at,
    parse_history,
    parse_phone,
    parse_state,
)
from reactivate.cli import practice_from_slug


class Command(BaseCommand):
    help = (
        "The send guard's verdict for a hypothetical touch (same code as the dispatcher); "
        "prints one JSON line: action, reason, until, states, window, cap_used, cap_limit."
    )

    def add_arguments(self, parser):
        # Checked in handle(), not by argparse, so that a missing one is one line too.
        parser.add_argument("--practice")
        parser.add_argument("--phone", help="E.164, e.g. +13055550123")
        parser.add_argument("--state", help="the address's US state (two letters)")
        parser.add_argument("--channel", help="sms, call, voicemail or email")
        parser.add_argument("--at", help="ISO 8601 instant with its offset")
        parser.add_argument(
            "--contact-history",
            help="JSON list of ISO 8601 instants of earlier contacts (any channel)",
        )

    def handle(self, *args, **options):
        required = ("practice", "phone", "channel", "at")
        missing = [f"--{name}" for name in required if not options[name]]
        if missing:
            raise CommandError(f"Missing {', '.join(missing)}.")
        try:
            phone, zone = parse_phone(options["phone"])
            state = parse_state(options["state"])
            at = parse_at(options["at"])
            history = parse_history(options["contact_history"])
            practice = practice_from_slug(options["practice"])
            setting = explain_setting(practice, options["channel"])
            answer = explain(setting, phone, zone, state, at, history)
        except ExplainError as error:
            raise CommandError(str(error)) from None
        except ValueError as error:  # a practice whose own window never opens
            raise CommandError(str(error).splitlines()[0]) from None
        self.stdout.write(json.dumps(answer, ensure_ascii=False))
