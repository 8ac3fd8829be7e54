"""The scoreboard's filters, the Growth Score's assumptions and the shows forms."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import forms

from contacts.models import Bucket
from scoreboard.report import Assumptions

PRESETS = (
    ("4w", "Last 4 weeks"),
    ("12w", "Last 12 weeks"),
    ("52w", "Last year"),
    ("all", "All time"),
)
DEFAULT_PRESET = "12w"


class PeriodForm(forms.Form):
    """GET parameters of the dashboard: a preset or start/end dates, and narrowing."""

    period = forms.ChoiceField(choices=(*PRESETS, ("custom", "Dates below")), required=False)
    start = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    campaign = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    bucket = forms.ChoiceField(choices=(("", "All buckets"), *Bucket.choices), required=False)
    coordinator = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)

    def __init__(self, data, *, campaigns: dict[int, str], coordinators: dict[int, str] | None):
        super().__init__(data)
        self.fields["campaign"].choices = [("", "All campaigns"), *campaigns.items()]
        if coordinators is None:  # a coordinator sees their own numbers only
            del self.fields["coordinator"]
        else:
            self.fields["coordinator"].choices = [("", "Everyone"), *coordinators.items()]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and start > end:
            raise forms.ValidationError("The period must end on or after its start.")
        return cleaned

    def dates(self, today: dt.date) -> tuple[dt.date | None, dt.date]:
        """(start, end) of the chosen period; the last 12 weeks by default."""
        data = self.cleaned_data if self.is_valid() else {}
        preset = data.get("period") or ("custom" if data.get("start") else DEFAULT_PRESET)
        if preset == "custom":
            return data.get("start"), data.get("end") or today
        if preset == "all":
            return None, today
        weeks = {"4w": 4, "12w": 12, "52w": 52}[preset]
        return today - dt.timedelta(weeks=weeks) + dt.timedelta(days=1), today

    def narrowing(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "campaign_id": data.get("campaign"),
            "bucket": data.get("bucket") or None,
            "coordinator_id": data.get("coordinator"),
        }


class AssumptionsForm(forms.Form):
    """The Growth Score's stated assumptions, editable on the page (GET, not saved)."""

    assume_booked = forms.DecimalField(
        label="Scheduled per contacted (%)", min_value=0, max_value=100, required=False
    )
    assume_show = forms.DecimalField(
        label="Show rate (%)", min_value=0, max_value=100, required=False
    )
    assume_value = forms.DecimalField(
        label="Average treatment value ($)", min_value=0, max_digits=10, required=False
    )

    def assumptions(self) -> Assumptions:
        base = Assumptions()
        data = self.cleaned_data if self.is_valid() else {}
        booked, show, value = (
            data.get(k) for k in ("assume_booked", "assume_show", "assume_value")
        )
        return Assumptions(
            booked_rate=float(booked) / 100 if booked is not None else base.booked_rate,
            show_rate=float(show) / 100 if show is not None else base.show_rate,
            average_value=Decimal(value) if value is not None else base.average_value,
        )


class ShowsMarkForm(forms.Form):
    result = forms.ChoiceField(choices=(("showed", "Showed"), ("no_show", "No-show")))
    enrollments = forms.TypedMultipleChoiceField(coerce=int)

    def __init__(self, data, *, choices: list[int]):
        super().__init__(data)
        self.fields["enrollments"].choices = [(pk, pk) for pk in choices]
