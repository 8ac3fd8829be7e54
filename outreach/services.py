"""Executing touches. The dispatcher is filled in by the outreach issue; its beat entry and
command exist from the start so deployments schedule it."""


def touches_dispatch_due() -> int:
    """Claim due touches and queue their sends; returns how many were claimed."""
    return 0
