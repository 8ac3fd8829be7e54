"""Formatting for the scoreboard: an empty denominator shows "—", never 0% or an error."""

from __future__ import annotations

from decimal import Decimal

from django import template

from scoreboard.charts import percent, points

register = template.Library()


@register.filter
def pct(value: float | None) -> str:
    return percent(value)


@register.filter
def pts(value: float | None) -> str:
    return points(value)


@register.filter
def money(value: Decimal | float | int | None) -> str:
    if value is None:
        return "—"
    return f"${Decimal(value):,.0f}"
