"""Small statistics for the scoreboard: rates with "—" for an empty denominator, and
confidence intervals for a proportion (Wilson) and a difference of proportions (Newcombe).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

Z95 = 1.959963984540054


def rate(numerator: int, denominator: int) -> float | None:
    """numerator / denominator, or None when there is nothing to divide by."""
    return numerator / denominator if denominator else None


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float] | None:
    """The Wilson score interval for a proportion (None when n is 0)."""
    if n <= 0:
        return None
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class Lift:
    """Treated minus held-out rate, with Newcombe's hybrid score interval (method 10 of
    Newcombe 1998: built from the two Wilson intervals). The rate of bookings (true lift),
    or of shows: ``*_booked`` then counts the patients who showed."""

    treated_n: int
    treated_booked: int
    held_out_n: int
    held_out_booked: int

    @property
    def treated_rate(self) -> float | None:
        return rate(self.treated_booked, self.treated_n)

    @property
    def held_out_rate(self) -> float | None:
        return rate(self.held_out_booked, self.held_out_n)

    @property
    def difference(self) -> float | None:
        if self.treated_rate is None or self.held_out_rate is None:
            return None
        return self.treated_rate - self.held_out_rate

    @property
    def interval(self) -> tuple[float, float] | None:
        if self.difference is None:
            return None
        p1, p0 = self.treated_rate, self.held_out_rate
        l1, u1 = wilson(self.treated_booked, self.treated_n)
        l0, u0 = wilson(self.held_out_booked, self.held_out_n)
        low = self.difference - math.sqrt((p1 - l1) ** 2 + (u0 - p0) ** 2)
        high = self.difference + math.sqrt((u1 - p1) ** 2 + (p0 - l0) ** 2)
        return low, high

    @property
    def conclusive(self) -> bool:
        """The interval excludes zero: the difference is unlikely to be chance."""
        interval = self.interval
        return interval is not None and (interval[0] > 0 or interval[1] < 0)
