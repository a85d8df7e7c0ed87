"""Forms of the reports. They only collect input; the rules are in services and selectors."""

from datetime import date, timedelta

from django import forms
from django.utils.translation import gettext_lazy as _

from dealer_crm.core.models import User
from dealer_crm.core.versioning import VersionedFormMixin
from dealer_crm.core.widgets import DatePicker

from .selectors import MAX_PERIOD_DAYS


class PeriodForm(forms.Form):
    """The dashboard's period (this month by default) and, for managers, one consultant or the whole showroom."""

    start = forms.DateField(label=_("From"), widget=DatePicker())
    end = forms.DateField(label=_("To"), widget=DatePicker())
    consultant = forms.ModelChoiceField(
        label=_("Consultant"), queryset=User.objects.none(), required=False, empty_label=_("Whole showroom")
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        if user.sees_whole_showroom:
            self.fields["consultant"].queryset = User.objects.filter(
                showroom_id=user.showroom_id, is_active=True
            ).order_by("last_name", "first_name", "username")
        else:
            del self.fields["consultant"]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            if start > end:
                self.add_error("end", _("The end of the period cannot be before its start."))
            elif (end - start).days + 1 > MAX_PERIOD_DAYS:
                self.add_error("end", _("Choose a period of at most %(days)s days.") % {"days": MAX_PERIOD_DAYS})
        return cleaned


def this_month(today: date) -> tuple[date, date]:
    return today.replace(day=1), today


# The dashboard opens on the last 30 days (month-to-date is nearly empty on the 3rd), against the 30 before.
RECENT_DAYS = 30


def recent_period(today: date) -> tuple[date, date]:
    return today - timedelta(days=RECENT_DAYS - 1), today


class RemarksForm(VersionedFormMixin, forms.Form):
    remarks = forms.CharField(
        label=_("Remarks"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the figures do not say: customers to watch, help you need, why a follow-up slipped."),
    )


class CommentForm(VersionedFormMixin, forms.Form):
    comment = forms.CharField(
        label=_("Manager's instructions"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
