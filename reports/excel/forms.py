"""Forms of the Excel pages. They only collect input; who may export what is decided in export_services."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from dealer_crm.core.models import User


class MonthlyExportForm(forms.Form):
    month = forms.DateField(
        label=_("Month"),
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month", "class": "form-control"}, format="%Y-%m"),
        error_messages={"invalid": _("Enter a month as YYYY-MM.")},
    )
    consultant = forms.ModelChoiceField(
        label=_("Consultant"), queryset=User.objects.none(), required=False, empty_label=_("Whole showroom")
    )

    def __init__(self, *args, user: User, can_export_showroom: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if can_export_showroom:
            self.fields["consultant"].queryset = User.objects.filter(showroom_id=user.showroom_id).order_by(
                "last_name", "first_name", "username"
            )
        else:
            del self.fields["consultant"]  # a consultant's workbook is always their own


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Register file (.xlsx)"),
        help_text=_("The paper form's columns, in Chinese or English; one sheet is enough."),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(_("Upload an Excel workbook (.xlsx); save an older .xls as .xlsx first."))
        if upload.size > settings.IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(mb)s MB: split it by year.") % {"mb": settings.IMPORT_MAX_BYTES >> 20}
            )
        return upload
