from django import forms

from reactivate.models import Membership, Practice, Role


class PracticeSettingsForm(forms.ModelForm):
    class Meta:
        model = Practice
        fields = [
            "name",
            "time_zone",
            "country",
            "default_area_code",
            "sending_window_start",
            "sending_window_end",
            "sends_on_saturday",
            "sends_on_sunday",
            "recent_activity_days",
            "attribution_window_days",
            "schedule_stale_days",
            "reenroll_missed_after_days",
            "help_text",
            "postal_address",
        ]
        labels = {
            "schedule_stale_days": "Warn when the schedule was last read more days ago than",
            "reenroll_missed_after_days": "Re-enroll no-shows and cancellations after (days)",
        }
        widgets = {
            "sending_window_start": forms.TimeInput(attrs={"type": "time"}),
            "sending_window_end": forms.TimeInput(attrs={"type": "time"}),
            "help_text": forms.Textarea(attrs={"rows": 3}),
            "postal_address": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Optional in a post: a form saved before the setting existed keeps the current value.
        self.fields["attribution_window_days"].required = False
        self.fields["schedule_stale_days"].required = False

    def clean_attribution_window_days(self):
        value = self.cleaned_data.get("attribution_window_days")
        return value if value is not None else self.instance.attribution_window_days

    def clean_schedule_stale_days(self):
        value = self.cleaned_data.get("schedule_stale_days")
        return value if value is not None else self.instance.schedule_stale_days

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("sending_window_start"), cleaned.get("sending_window_end")
        if start and end and start >= end:
            raise forms.ValidationError("The sending window must end after it starts.")
        return cleaned


class MemberAddForm(forms.Form):
    email = forms.EmailField()
    role = forms.ChoiceField(choices=Role.choices)


class MemberRoleForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["role"]
