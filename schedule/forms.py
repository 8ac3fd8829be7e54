"""Forms of the schedule's pages. The upload form is the contacts import's (the same size
limit, stopped while the file arrives); the labels are words, never field codes."""

from __future__ import annotations

from django import forms

from schedule.models import FhirAuth, Source

NOT_READ = "— not read —"


class MappingForm(forms.Form):
    """One select per field of ours, choosing a column of the file (or none)."""

    def __init__(
        self,
        *args,
        fields: tuple[str, ...],
        labels: dict[str, str],
        headers: list[str],
        initial_mapping: dict[str, str],
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.names = fields
        choices = [("", NOT_READ), *[(h, h) for h in headers]]
        for name in fields:
            self.fields[name] = forms.ChoiceField(
                label=labels.get(name, name.replace("_", " ").capitalize()),
                choices=choices,
                required=False,
                initial=initial_mapping.get(name, ""),
            )

    def mapping(self) -> dict[str, str]:
        """Our field -> the file's column, for the columns chosen (an unknown column,
        typed into a hand-made post, counts as none chosen)."""
        cleaned = self.cleaned_data if self.is_bound and hasattr(self, "cleaned_data") else {}
        return {name: cleaned[name] for name in self.names if cleaned.get(name)}


class MatchSearchForm(forms.Form):
    search = forms.CharField(
        label="Find the patient by name or EMR id",
        max_length=100,
        error_messages={"required": "Type a name or an EMR id to look for."},
        widget=forms.TextInput(attrs={"autocomplete": "off", "type": "search"}),
    )


class MatchChooseForm(forms.Form):
    contact = forms.TypedChoiceField(
        coerce=int,
        label="This appointment is for",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose the patient this appointment is for.",
            "invalid_choice": "Choose one of the patients listed; search again if needed.",
        },
    )

    def __init__(self, *args, choices: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].choices = choices


# What a connection keeps secret: typed, saved, never shown back.
SECRETS = ("token", "private_key")


class FhirSourceForm(forms.ModelForm):
    """Connect (or change) a FHIR R4 server. A token or key left empty keeps the one
    saved: they are write-only on the page."""

    base_url = forms.URLField(
        assume_scheme="https",
        max_length=500,
        label="FHIR server address (base URL)",
        help_text="For example https://fhir.example.com/r4",
    )
    token_url = forms.URLField(
        assume_scheme="https", max_length=500, required=False, label="SMART token address"
    )

    class Meta:
        model = Source
        fields = ["name", "base_url", "auth", "token", "client_id", "token_url", "private_key"]
        fields += ["key_id"]
        labels = {
            "name": "Name coordinators read",
            "auth": "How Reactivate signs in",
            "token": "Bearer token",
            "client_id": "SMART client id",
            "private_key": "SMART private key (PEM)",
            "key_id": "SMART key id",
        }
        help_texts = {
            "name": "Shown to coordinators, e.g. “booked … in Practice FHIR”.",
            "token": "Only for a bearer token. Kept, never shown again; empty keeps the saved one.",
            "private_key": "Only for SMART. Kept, never shown again; empty keeps the saved one.",
            "key_id": "The kid of the key, as registered with the server.",
        }
        widgets = {
            "token": forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
            "private_key": forms.Textarea(attrs={"rows": 4, "autocomplete": "off"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["auth"].choices = FhirAuth.choices
        # Write-only: the saved key is never put back into the page.
        self.initial["private_key"] = ""
        self.initial["token"] = ""
        for name in SECRETS:
            if getattr(self.instance, name, ""):
                self.fields[name].help_text = "A value is saved; type a new one to replace it."

    def clean_base_url(self):
        return self.cleaned_data["base_url"].rstrip("/")

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        taken = Source.objects.filter(practice_id=self.instance.practice_id, name__iexact=name)
        if taken.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError("Another source has this name: choose another.")
        return name

    def values(self) -> dict:
        """What the service saves (``schedule.connections.fhir_source_save``)."""
        return {name: self.cleaned_data[name] for name in self.Meta.fields}

    def clean(self):
        cleaned = super().clean()
        for name in SECRETS:
            if not cleaned.get(name):
                cleaned[name] = getattr(self.instance, name, "") or ""
        auth = cleaned.get("auth")
        if auth == FhirAuth.BEARER and not cleaned.get("token"):
            self.add_error("token", "Paste the bearer token the server gave you.")
        if auth == FhirAuth.SMART:
            needed = {
                "client_id": "Give the client id registered with the server.",
                "token_url": "Give the server's token address.",
                "private_key": "Paste the private key (PEM) registered with the server.",
            }
            for name, message in needed.items():
                if not cleaned.get(name):
                    self.add_error(name, message)
        return cleaned
