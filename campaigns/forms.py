from __future__ import annotations

from django import forms

from campaigns.models import Assignment, Channel, ElsewhereReason, Purpose
from campaigns.tone import BODY_MAX_CHARS, render_problems
from contacts.models import Bucket, LastOutcome

# Said when pasted words exceed the cap (tone.BODY_MAX_CHARS): the count, and what to do.
_TOO_LONG = {
    "max_length": "These words are %(show_value)d characters; the limit is %(limit_value)d. "
    "Keep a message to a few short lines."
}


def _words_field(**kwargs) -> forms.CharField:
    return forms.CharField(max_length=BODY_MAX_CHARS, error_messages=_TOO_LONG, **kwargs)


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
    variant_b = _words_field(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Opener B",
        help_text="Optional: a second opener, tried on a share of patients.",
    )
    variant_c = _words_field(
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
    body = _words_field(widget=forms.Textarea(attrs={"rows": 4}))
    # Not required: a post without it (an older page) keeps the template's purpose.
    purpose = forms.ChoiceField(
        required=False,
        choices=Purpose.choices,
        initial=Purpose.INFORMATIONAL,
        widget=forms.RadioSelect,
        help_text="A marketing message is held for a patient without written consent on record.",
    )

    def clean_subject(self) -> str:
        # The body is checked on save with the step's tone check; the subject has no such
        # check, and one that cannot be filled in fails every touch of the step.
        subject = self.cleaned_data["subject"]
        problems = render_problems(subject)
        if problems:
            raise forms.ValidationError(problems)
        return subject


class DecisionForm(forms.Form):
    """A decision's form: its ids start with the decision (a page shows all three, and two
    have a "note"), as the work queue's panel names them."""

    kind = ""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"{self.kind}-%s")
        super().__init__(*args, **kwargs)


class RequalifyForm(DecisionForm):
    kind = "requalify"
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


class NotNowForm(DecisionForm):
    kind = "not_now"
    return_date = forms.DateField(
        label="Check back on", widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ElsewhereForm(DecisionForm):
    kind = "elsewhere"
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
