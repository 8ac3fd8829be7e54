"""Executing touches: see ``outreach.dispatch`` (claim, send, reconcile)."""

from outreach.dispatch import touches_dispatch_due

__all__ = ["touches_dispatch_due"]
