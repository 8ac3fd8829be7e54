from __future__ import annotations

from django import forms

from campaigns.models import Assignment, Channel, ElsewhereReason
from contacts.models import Bucket, LastOutcome


class CampaignForm(forms.Form):
    name = forms.CharField(max_length=120)
    buckets = forms.MultipleChoiceField(
        choices=Bucket.choices, widget=forms.CheckboxSelectMultiple, initial=list(Bucket.values)
    )
    last_outcome = forms.MultipleChoiceField(
        required=False,
        choices=LastOutcome.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="Optional: only these last outcomes.",
    )
    textable = forms.BooleanField(required=False, label="Only patients with a textable number")
    start_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    coordinators = forms.ModelMultipleChoiceField(queryset=None, required=False)
    assignment = forms.ChoiceField(choices=Assignment.choices, initial=Assignment.ROUND_ROBIN)
    holdout_percent = forms.IntegerField(
        min_value=0,
        max_value=50,
        initial=0,
        label="Hold out (%)",
        help_text="Enrolled but never contacted, to measure true lift.",
    )
    variant_b = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Opener B",
        help_text="Optional: a second opener, tried on a share of patients.",
    )
    variant_c = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Opener C"
    )

    def __init__(self, *args, coordinators, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["coordinators"].queryset = coordinators
        self.fields["coordinators"].label_from_instance = lambda u: u.get_full_name() or u.username

    def filters(self) -> dict:
        data = self.cleaned_data
        return {
            key: value
            for key, value in {
                "last_outcome": data.get("last_outcome") or [],
                "textable": bool(data.get("textable")),
            }.items()
            if value
        }

    def variants(self) -> list[tuple[int, str]]:
        """Equal shares: the sequence's own opener (A) and each alternative given."""
        others = [body for body in (self.cleaned_data.get(f"variant_{x}") for x in "bc") if body]
        return [(1, ""), *[(1, body) for body in others]] if others else []


class TemplateForm(forms.Form):
    subject = forms.CharField(max_length=150, required=False, help_text="Used when emailed.")
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}))


class RequalifyForm(forms.Form):
    soon = forms.TypedChoiceField(
        label="Moving forward soon, or later?",
        choices=[("yes", "Soon"), ("no", "Later")],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    fit = forms.TypedChoiceField(
        label="Comfortable with the investment range discussed?",
        choices=[("yes", "Yes"), ("no", "No")],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    appointment_at = forms.DateTimeField(
        required=False,
        label="Appointment (practice time)",  # read in the zone practice_view activates
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class NotNowForm(forms.Form):
    return_date = forms.DateField(
        label="Check back on", widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ElsewhereForm(forms.Form):
    category = forms.ChoiceField(
        label="What mattered most in that decision?", choices=ElsewhereReason.choices
    )
    what_mattered = forms.CharField(
        required=False, label="In their words", widget=forms.Textarea(attrs={"rows": 2})
    )


class StepForm(forms.Form):
    day = forms.IntegerField(min_value=1, max_value=60)
    channel = forms.ChoiceField(choices=Channel.choices)
    name = forms.CharField(max_length=60)
    one_question = forms.BooleanField(required=False, label="Asks exactly one question")


class LanguageForm(forms.Form):
    language = forms.CharField(max_length=20, help_text="A code such as es or fr.")
