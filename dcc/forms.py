from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from dealer_crm.core.models import User

from .models import LeadSource
from .services.assignment import assignable_consultants
from .services.roster import MAX_WEIGHT


class _SourceChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.get_platform_display()})"


def _sources(showroom):
    return LeadSource.objects.filter(showroom=showroom, active=True).order_by("name")


class OnlineLeadForm(forms.Form):
    """The clerk's form for an inquiry taken on the hotline (or read off a platform's screen)."""

    source = _SourceChoice(label=_("Lead source"), queryset=LeadSource.objects.none())
    customer_name = forms.CharField(label=_("Customer name"), max_length=50)
    phone = forms.CharField(label=_("Phone"), max_length=30)
    city = forms.CharField(label=_("City or district"), max_length=50, required=False)
    car_model_text = forms.CharField(
        label=_("Model of interest"),
        max_length=100,
        required=False,
        help_text=_("As the customer said it; it is linked to the catalogue only when it names a model exactly."),
    )
    message = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    platform_lead_id = forms.CharField(
        label=_("Platform's lead id"),
        max_length=100,
        required=False,
        help_text=_("When the inquiry has one: the same id entered twice is recognised and not entered again."),
    )
    platform_received_at = forms.DateTimeField(
        label=_("Received by the platform"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    def __init__(self, *args, showroom, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].queryset = _sources(showroom)


class AdfUploadForm(forms.Form):
    """An ADF/XML file a platform sent by e-mail or offered for download."""

    source = _SourceChoice(label=_("Lead source"), queryset=LeadSource.objects.none())
    file = forms.FileField(label=_("ADF/XML file"))

    def __init__(self, *args, showroom, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].queryset = _sources(showroom)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.DCC_MAX_BODY_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(size)s KB.") % {"size": settings.DCC_MAX_BODY_BYTES // 1024}
            )
        return upload


class BatchUploadForm(forms.Form):
    """A portal's list of inquiries exported as .xlsx or .csv: read and shown for a preview, entered when confirmed."""

    source = _SourceChoice(label=_("Lead source"), queryset=LeadSource.objects.none())
    file = forms.FileField(label=_("Batch file (.xlsx or .csv)"))

    def __init__(self, *args, showroom, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].queryset = _sources(showroom)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".xlsx", ".csv")):
            raise forms.ValidationError(_("Upload an .xlsx or .csv file."))
        if upload.size > settings.DCC_BATCH_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(size)s KB.") % {"size": settings.DCC_BATCH_MAX_BYTES // 1024}
            )
        return upload


class OnlineLeadAssignForm(forms.Form):
    """The manager's or clerk's choice of consultant for an online lead (dcc.services.assignment)."""

    to = forms.ModelChoiceField(label=_("Assign to"), queryset=User.objects.none())
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)

    def __init__(self, *args, showroom, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].queryset = assignable_consultants(showroom.pk)
        self.fields["reason"].widget.attrs["placeholder"] = _("Reason (optional)")


class ShiftForm(forms.Form):
    """One shift in a cell of the roster's grid: the cell is its consultant and its day (hidden). The times and
    the weight may be left empty here: the roster's check names what is missing together with every other
    problem of the week (dcc.services.roster.roster_week_check), instead of one round at a time."""

    consultant = forms.IntegerField(widget=forms.HiddenInput)
    day = forms.DateField(widget=forms.HiddenInput)
    starts_at = forms.TimeField(
        label=_("Shift starts"), required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    ends_at = forms.TimeField(
        label=_("Shift ends"), required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    weight = forms.IntegerField(
        label=_("Weight"), required=False, initial=1, widget=forms.NumberInput(attrs={"min": 1, "max": MAX_WEIGHT})
    )


class BaseShiftFormSet(forms.BaseFormSet):
    """The week's grid: the existing shifts first, then one blank form per cell to add a shift in.

    Bound, the forms are the ones posted (the management form says how many existed): a blank form counts only
    when a time was typed in it, so the posted grid is read without comparing it to a roster that may have
    changed since the page was shown."""

    def __init__(self, data=None, *, existing=(), blanks=(), **kwargs):
        self.existing_count = len(existing)
        super().__init__(data, initial=[*existing, *blanks] if data is None else None, **kwargs)
        if data is None:
            self.extra = len(blanks)

    def initial_form_count(self):
        return super().initial_form_count() if self.is_bound else self.existing_count

    def shift_forms(self) -> list[forms.Form]:
        """The forms that hold a shift: every existing one not ticked for removal, and the blank ones filled in."""
        kept = []
        for index, form in enumerate(self.forms):
            if self._should_delete_form(form):
                continue
            blank = index >= self.initial_form_count()
            if blank and form.cleaned_data.get("starts_at") is None and form.cleaned_data.get("ends_at") is None:
                continue
            kept.append(form)
        return kept


ShiftFormSet = forms.formset_factory(
    ShiftForm, formset=BaseShiftFormSet, extra=0, can_delete=True, can_delete_extra=False, max_num=1000
)


class SkipTurnForm(forms.Form):
    """The next-up consultant passes on the walk-in: who (the one the register showed) and why."""

    consultant = forms.ModelChoiceField(queryset=User.objects.none(), widget=forms.HiddenInput)
    skip_reason = forms.CharField(
        label=_("Why skipped"),
        max_length=200,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm", "placeholder": _("Why skipped")}),
        error_messages={"required": _("Say why the turn is skipped.")},
    )

    def __init__(self, *args, showroom, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["consultant"].queryset = User.objects.filter(showroom=showroom)
