import uuid
from datetime import date
from typing import Any, cast

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from portal.models import User

from . import evidence
from .models import (
    MAX_TEXT,
    CallLog,
    Consequence,
    Incident,
    Kind,
    PoliceReport,
    ReporterMessage,
    Severity,
)

TOO_LONG = (
    "Texten är %(show_value)d tecken. Här ryms högst %(limit_value)d tecken. Korta den, eller "
    "skriv resten som en komplettering när rapporten är skickad."
)

# What a sent report must have. A draft may lack any of it.
REQUIRED_TO_SEND = [
    "kinds",
    "channel",
    "timing",
    "occurred_on",
    "place",
    "during",
    "police_report",
    "may_contact",
]


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class EvidenceField(forms.FileField):
    """Several files in one input; each is checked, and images cleaned, in clean()."""

    widget = MultipleFileInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "label", "Bevis: skärmdumpar, foton, inskannade brev, PDF eller inspelade samtal"
        )
        kwargs.setdefault(
            "help_text",
            f"Du kan välja flera filer. Det går att skicka {evidence.ACCEPTED_FORMATS}. "
            "Vi tar bort platsuppgifter (GPS) och annan dold information ur bilder "
            "och sparar bara den rensade bilden.",
        )
        super().__init__(**kwargs)
        self.widget.attrs["accept"] = evidence.ACCEPT_ATTRIBUTE

    def clean(self, data: Any, initial: Any = None) -> list[evidence.PreparedFile]:
        uploads = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        return evidence.prepare_all(uploads)


class ReportForm(forms.ModelForm):
    kinds = forms.MultipleChoiceField(
        label="Vad var det? Välj allt som stämmer",
        choices=Kind.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    consequences = forms.MultipleChoiceField(
        label="Har händelsen påverkat dig? Välj allt som stämmer (frivilligt)",
        choices=Consequence.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    may_contact = forms.TypedChoiceField(
        label="Får säkerhetshandläggaren kontakta dig om händelsen?",
        choices=[(True, "Ja"), (False, "Nej")],
        coerce=lambda value: value == "True",
        empty_value=None,
        widget=forms.RadioSelect,
    )
    # The metaclass takes the field out of the class, so it doesn't hide BaseForm.files;
    # the stubs can't tell.
    files = EvidenceField()  # type: ignore[assignment]
    submission_token = forms.UUIDField(widget=forms.HiddenInput)

    class Meta:
        model = Incident
        fields = [
            "kinds",
            "channel",
            "timing",
            "occurred_on",
            "occurred_time",
            "place",
            "before",
            "during",
            "actions",
            "perpetrator_known",
            "perpetrator_description",
            "witnesses",
            "police_report",
            "police_report_number",
            "consequences",
            "may_contact",
            "contact_how",
        ]
        labels = {
            "channel": "Hur nådde det dig?",
            "timing": "Har det hänt, pågår det eller är det aviserat till senare?",
            "occurred_on": "Datum",
            "occurred_time": "Klockslag, om du vet",
            "place": "Var hände det?",
            "before": "Vad hände innan?",
            "during": "Vad hände under?",
            "actions": "Vad gjorde du/ni?",
            "perpetrator_known": "Vet du vem det var?",
            "perpetrator_description": "Beskriv personen eller personerna",
            "witnesses": "Vittnen",
            "police_report": "Har du polisanmält?",
            "police_report_number": "Polisens diarienummer, om du har det",
            "contact_how": "Hur och när vill du bli kontaktad?",
        }
        help_texts = {
            "occurred_on": "När det hände, eller när du fick hotet. Skrivs som 2026-03-14.",
            "occurred_time": "Till exempel 14:30.",
            "place": "En adress, en lokal, eller var på nätet (till exempel Facebook).",
            "before": "Det du minns. Det gör inget om det är osorterat.",
            "during": "Vad sades eller gjordes? Skriv gärna ordagrant det som sades.",
            "actions": "Till exempel om du gick därifrån, ringde någon eller sparade meddelanden.",
            "perpetrator_description": "Namn, konto, utseende, kläder, fordon – det du vet.",
            "witnesses": "Namn och hur de nås, om du vet.",
            "police_report_number": "Har du inte numret än kan du lägga till det senare.",
            "contact_how": "Till exempel: ring mobilen efter klockan 17, eller bara e-post.",
        }
        widgets = {
            "channel": forms.RadioSelect,
            "timing": forms.RadioSelect,
            "perpetrator_known": forms.RadioSelect,
            "police_report": forms.RadioSelect,
            "occurred_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "occurred_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "before": forms.Textarea(attrs={"rows": 4}),
            "during": forms.Textarea(attrs={"rows": 6}),
            "actions": forms.Textarea(attrs={"rows": 4}),
            "perpetrator_description": forms.Textarea(attrs={"rows": 3}),
            "witnesses": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, draft: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Radio buttons need no empty "---------" choice: none chosen means no answer.
        for name in ["channel", "timing", "perpetrator_known", "police_report"]:
            radio = cast(forms.ChoiceField, self.fields[name])
            # Read back, a field's choices are the list of pairs it was given.
            radio.choices = [c for c in cast(list[tuple[str, str]], radio.choices) if c[0]]
        for name, field in self.fields.items():
            field.required = name in REQUIRED_TO_SEND and not draft
            if name == "submission_token":
                field.required = True
            # The browser would cut a long paste short without a word; the server says so.
            field.widget.attrs.pop("maxlength", None)
            field.error_messages["max_length"] = TOO_LONG
        self.fields["kinds"].error_messages["required"] = "Välj minst ett alternativ."
        for name in ["channel", "timing", "police_report", "may_contact"]:
            self.fields[name].error_messages["required"] = "Välj ett alternativ."
        self.fields["occurred_on"].error_messages["invalid"] = (
            "Skriv datumet som år-månad-dag, till exempel 2026-03-14."
        )
        self.fields["occurred_time"].error_messages["invalid"] = (
            "Skriv klockslaget som timmar:minuter, till exempel 14:30."
        )


class CallLogForm(forms.ModelForm):
    """The plan's advice on a threat by telephone, as questions to answer while the call goes
    on. Nothing is required: a word written down is better than none."""

    submission_token = forms.UUIDField(widget=forms.HiddenInput)

    class Meta:
        model = CallLog
        fields = list(CallLog.TEXT_FIELDS)
        labels = {
            "said": "Vad säger personen? Skriv ordagrant",
            "wants": "Vad vill personen? Vad hotar hen med?",
            "voice": "Röst och sätt att tala",
            "background": "Ljud i bakgrunden",
            "number_shown": "Numret som visades",
            "call_time": "Klockslag när samtalet kom",
            "duration": "Hur länge pågick samtalet?",
            "listener": "Lyssnade någon annan med?",
        }
        help_texts = {
            "said": "Med personens egna ord, så exakt du kan. Det gör inget om det blir osorterat.",
            "wants": "Fråga: ”Har jag förstått rätt att du ska …?” Skriv vad hen svarar, och om "
            "hen bekräftar hotet.",
            "voice": "Man eller kvinna, ungefärlig ålder, dialekt eller brytning, lugn eller "
            "upprörd, förställd röst.",
            "background": "Till exempel trafik, röster, musik, utrop, maskiner eller djur.",
            "number_shown": "Skriv ”dolt nummer” om inget nummer visades.",
            "call_time": "Ändra om samtalet kom före klockslaget som står här. Skrivs som 14:30.",
            "duration": "Till exempel ”ungefär 5 minuter”.",
            "listener": "Skriv namnet på den som lyssnade. Spelade du in samtalet kan du lägga "
            "till inspelningen som bevis i rapporten.",
        }
        widgets = {
            "said": forms.Textarea(attrs={"rows": 6}),
            "wants": forms.Textarea(attrs={"rows": 3}),
            "voice": forms.Textarea(attrs={"rows": 2}),
            "background": forms.Textarea(attrs={"rows": 2}),
            "number_shown": forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}),
            "call_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "listener": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            # The browser would cut a long paste short without a word; the server says so.
            field.widget.attrs.pop("maxlength", None)
            field.error_messages["max_length"] = (
                "Texten är %(show_value)d tecken. Här ryms högst %(limit_value)d tecken. Korta "
                "den, eller skriv resten i rapporten."
            )
        self.fields["call_time"].error_messages["invalid"] = (
            "Skriv klockslaget som timmar:minuter, till exempel 14:30."
        )


class ReporterField(forms.ModelChoiceField):
    """The people to choose from, each with their address: two officials may share a name."""

    def label_from_instance(self, obj: User) -> str:
        return f"{obj} ({obj.email})"


class RegisterCallForm(ReportForm):
    """A report the security officer writes down while the official tells it on the
    phone: the report form's questions, and whose report it is."""

    reporter = ReporterField(
        label="Vem ringde?",
        queryset=None,
        empty_label="– Välj den som ringde –",
        help_text="Rapporten blir hens: den syns under hens Mina rapporter, och hen får ett "
        "kvitto med e-post utan innehåll.",
    )

    field_order = ["reporter"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        reporter = cast(forms.ModelChoiceField, self.fields["reporter"])
        reporter.required = True  # the report form's loop made it optional
        reporter.queryset = (
            get_user_model().objects.filter(is_active=True).order_by("full_name", "email")
        )
        reporter.error_messages.update(
            required="Välj vem som ringde.",
            invalid_choice="Välj någon i listan. Den du valde finns inte eller är inte aktiv.",
        )


def not_in_the_future(day: date | None) -> None:
    if day and day > timezone.localdate():
        raise ValidationError("Datumet kan inte vara senare än i dag.")


class PoliceReportForm(forms.Form):
    """The reporter says later that they have reported it to the police."""

    number = forms.CharField(
        label="Polisens diarienummer",
        help_text="Står på bekräftelsen från polisen. Har du det inte än kan du lägga till det "
        "senare.",
        max_length=50,
        required=False,
    )
    reported_on = forms.DateField(
        label="Datum då du polisanmälde",
        help_text="Skrivs som 2026-03-14.",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        validators=[not_in_the_future],
        error_messages={
            "required": "Skriv vilket datum du polisanmälde.",
            "invalid": "Skriv datumet som år-månad-dag, till exempel 2026-03-14.",
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["number"].widget.attrs.pop("maxlength", None)
        self.fields["number"].error_messages["max_length"] = (
            "Diarienumret är %(show_value)d tecken. Här ryms högst %(limit_value)d."
        )


class SupplementForm(forms.Form):
    text = forms.CharField(
        label="Vad vill du lägga till?",
        help_text="Till exempel något nytt som hänt, polisens diarienummer eller något du "
        "kommit på.",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=MAX_TEXT,
        required=False,
    )
    files = EvidenceField(label="Fler filer")  # type: ignore[assignment]  # as in ReportForm
    submission_token = forms.UUIDField(widget=forms.HiddenInput)
    # Which of the security officers' messages this answers, if any. A number here, so that
    # it is kept through a login; the view checks that the message is of this report.
    in_reply_to = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The browser would cut a long paste short without a word; the server says so.
        self.fields["text"].widget.attrs.pop("maxlength", None)
        self.fields["text"].error_messages["max_length"] = TOO_LONG

    @property
    def is_reply(self) -> bool:
        return bool(self["in_reply_to"].value())

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if not self.errors and not cleaned.get("text") and not cleaned.get("files"):
            if cleaned.get("in_reply_to"):
                self.add_error("text", "Skriv ditt svar.")
            else:
                raise ValidationError("Skriv något eller välj en fil att lägga till.")
        return cleaned


def reply_form(message: ReporterMessage, data: Any = None, files: Any = None) -> SupplementForm:
    """The answer to one message, on the report's page: its own ids, so that several can
    stand on one page."""
    form = SupplementForm(
        data,
        files,
        auto_id=f"svar-{message.pk}-%s",
        initial={"submission_token": uuid.uuid4(), "in_reply_to": message.pk},
    )
    form.fields["text"].label = "Ditt svar"
    form.fields["text"].help_text = ""
    form.fields["text"].widget.attrs["rows"] = 3
    return form


class TriageForm(forms.ModelForm):
    """The security officers' assessment of a report, on its page in the admin. Two
    handlers saving at once notice each other: nothing either wrote is lost."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = Incident
        fields = list(Incident.TRIAGE_FIELDS)
        widgets = {
            "next_follow_up": forms.DateInput(attrs={"type": "date"}),
            "police_reported_on": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = self.instance.version
        for name in Incident.TRIAGE_FIELDS:
            if name in self.fields:
                # Sends back what the form showed, so a conflict can tell what this
                # handler changed from what they merely saw.
                self.fields[name].show_hidden_initial = True
        if "handler" in self.fields:
            handler = cast(forms.ModelChoiceField, self.fields["handler"])
            handler.queryset = get_user_model().objects.security_officers()
            handler.empty_label = "– Ingen handläggare –"
        if "severity" in self.fields:
            severity = cast(forms.ChoiceField, self.fields["severity"])
            severity.choices = [("", "– Inte bedömd –"), *Severity.choices]
        if "police_report" in self.fields:
            police_report = cast(forms.ChoiceField, self.fields["police_report"])
            police_report.choices = [("", "– Inte angivet –"), *PoliceReport.choices]
        if "police_reported_on" in self.fields:
            self.fields["police_reported_on"].validators.append(not_in_the_future)

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        current = Incident.objects.select_for_update().get(pk=self.instance.pk)
        seen = cleaned.get("version")
        if seen is not None and seen != current.version:
            # Someone saved since this form was opened. Nothing is overwritten: show what
            # they changed, keep what this handler typed, and let them save again.
            theirs = current.triage_changes.filter(version__gt=seen).select_related("changed_by")
            data = cast(QueryDict, self.data).copy()  # the admin's POST
            data["version"] = str(current.version)
            for field in {change.field for change in theirs}:
                if data.get(field) != data.get(f"initial-{field}"):
                    continue  # both changed it: keep what this handler typed
                # Their change shows in the form; what this handler changed stays.
                value = getattr(current, f"{field}_id" if field == "handler" else field)
                text = "" if value is None else str(value)
                data[field] = data[f"initial-{field}"] = text
            self.data = data
            raise ValidationError(
                format_html(
                    "{} har ändrat rapporten medan du hade den öppen. Dina ändringar är inte "
                    "sparade; de står kvar i formuläret. Så här ändrades den: {}. "
                    "Kontrollera och spara igen.",
                    ", ".join(sorted({str(c.changed_by or "Någon") for c in theirs})),
                    format_html_join(
                        "; ",
                        "{} från {} till {} ({})",
                        (
                            (
                                c.get_field_label(),
                                c.old_value,
                                c.new_value,
                                timezone.localtime(c.changed_at).strftime("%H:%M"),
                            )
                            for c in theirs
                        ),  # fmt: skip
                    ),
                )
            )
        if cleaned.get("status") == Incident.Status.AVSLUTAD and not cleaned.get("closing_summary"):
            self.add_error("closing_summary", "Skriv en sammanfattning innan ärendet avslutas.")
        return cleaned
