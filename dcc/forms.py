from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from dealer_crm.core.models import User

from .models import LeadSource
from .services.assignment import assignable_consultants


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
