from django import forms

from contacts.import_files import upload_limit_message, upload_limit_words
from contacts.mapping import FIELD_LABELS, FIELDS
from contacts.models import Bucket, LastOutcome


class UploadForm(forms.Form):
    file = forms.FileField(
        required=False, help_text="CSV (UTF-8 or Windows) or Excel .xlsx, up to 50 MB."
    )

    def __init__(self, *args, refused: bool = False, **kwargs):
        """``refused``: the upload was stopped while it arrived, for being over the limit."""
        super().__init__(*args, **kwargs)
        self.refused = refused
        limit = upload_limit_words()
        self.fields["file"].help_text = f"CSV (UTF-8 or Windows) or Excel .xlsx, up to {limit}."

    def clean_file(self):
        if self.refused:
            raise forms.ValidationError(upload_limit_message())
        if not self.cleaned_data.get("file"):
            raise forms.ValidationError("Choose the file to upload.")
        return self.cleaned_data["file"]


class HeaderRowForm(forms.Form):
    """Which of the file's first rows holds the column names."""

    header_row = forms.TypedChoiceField(coerce=int, label="Column names are on")

    def __init__(self, *args, rows: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["header_row"].choices = [(n, f"Row {n}: {words}") for n, words in rows]


class MappingForm(forms.Form):
    """One select per field of ours, choosing a column of the file (or none)."""

    def __init__(self, *args, headers: list[str], initial_mapping: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "— not imported —"), *[(h, h) for h in headers]]
        for name in FIELDS:
            self.fields[name] = forms.ChoiceField(
                label=FIELD_LABELS[name],
                choices=choices,
                required=False,
                initial=initial_mapping.get(name, ""),
            )

    def mapping(self) -> dict[str, str]:
        return {name: self.cleaned_data.get(name, "") for name in FIELDS}


class DoNotContactForm(forms.Form):
    """The reason asked before marking the selected contacts do not contact."""

    reason = forms.CharField(
        max_length=200,
        label="Why should these patients not be contacted?",
        help_text="Kept with each patient's record, for example: asked by phone on Monday.",
        error_messages={
            "required": "Give the reason: it is kept with each patient's record.",
            "max_length": "Keep the reason to %(limit_value)d characters (this one is "
            "%(show_value)d).",
        },
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class ContactFilterForm(forms.Form):
    search = forms.CharField(required=False, label="Search name, phone or email")
    bucket = forms.ChoiceField(
        required=False,
        choices=[("", "All"), *Bucket.choices, ("none", "Not stalled")],
    )
    last_outcome = forms.ChoiceField(required=False, choices=[("", "Any"), *LastOutcome.choices])
    do_not_contact = forms.ChoiceField(
        required=False, label="Do not contact", choices=[("", "Any"), ("yes", "Yes"), ("no", "No")]
    )
    coordinator = forms.ChoiceField(required=False, choices=[("", "Anyone")])
    textable = forms.ChoiceField(
        required=False, label="Textable number", choices=[("", "Any"), ("yes", "Yes"), ("no", "No")]
    )
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, coordinators=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["coordinator"].choices = [
            ("", "Anyone"),
            ("none", "Unassigned"),
            *[(str(u.pk), u.get_full_name() or u.username) for u in coordinators],
        ]


class SynonymForm(forms.Form):
    text = forms.CharField(max_length=100, label="Word in your export")
    outcome = forms.ChoiceField(choices=LastOutcome.choices, label="Means")


class ContactEditForm(forms.Form):
    """The contact page's own fields. Phone and email are cleaned and checked by
    ``contact_update`` (as an import cleans them), so a refused value stays as typed."""

    phone = forms.CharField(
        required=False,
        max_length=100,
        label="Phone",
        help_text="As you would dial it; an extension may follow, e.g. x204.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}),
    )
    email = forms.CharField(
        required=False,
        max_length=254,
        label="Email",
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "email"}),
    )
    assigned_to = forms.ChoiceField(required=False, label="Coordinator")
    notes = forms.CharField(
        required=False, label="Notes", widget=forms.Textarea(attrs={"rows": 4}), max_length=5000
    )

    def __init__(self, *args, coordinators=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assigned_to"].choices = [
            ("", "Nobody"),
            *[(str(u.pk), u.get_full_name() or u.username) for u in coordinators],
        ]

    @classmethod
    def initial_of(cls, contact) -> dict:
        return {
            "phone": contact.phone_raw or contact.phone,
            "email": contact.email_raw or contact.email,
            "assigned_to": str(contact.assigned_to_id or ""),
            "notes": contact.notes,
        }

    def coordinator_id(self) -> int | None:
        raw = self.cleaned_data.get("assigned_to") or ""
        return int(raw) if raw.isdigit() else None


class ContactDoNotContactForm(forms.Form):
    reason = forms.CharField(
        required=False,  # contact_do_not_contact_set says why a blank reason is refused
        label="Why should this patient not be contacted?",
        help_text="Kept with the patient's record, for example: asked by phone on Monday.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class EnrollForm(forms.Form):
    campaign = forms.TypedChoiceField(coerce=int, label="Campaign")

    def __init__(self, *args, campaigns=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].choices = [(str(pk), name) for pk, name in campaigns]
