from datetime import datetime

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Column, Div, Field, Layout, Row
from django import forms
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from dealer_crm.core.clock import showroom_now
from dealer_crm.core.forms import add_rule_errors
from dealer_crm.core.models import CarModel, District, InformationSource, User
from dealer_crm.core.versioning import VersionedFormMixin
from dealer_crm.core.widgets import DatePicker, TimePicker

from ..models import Grade, Visit
from ..services.register import VISIT_FIELDS, visit_check

# The service speaks in model fields; the form asks for a date and two times. Errors map back.
SERVICE_TO_FORM_FIELD = {"arrived_at": "arrival_time", "left_at": "departure_time"}


def arrival_shortcuts() -> str:
    """Buttons that set the arrival time back from the departure (static/js/visit_form.js does the arithmetic)."""
    buttons = format_html_join(
        "",
        '<button type="button" class="btn btn-sm btn-outline-secondary" data-minutes="{}">{}</button>',
        [(15, _("15 min ago")), (30, _("30 min ago")), (60, _("1 hour ago"))],
    )
    return format_html(
        '<div class="mb-3 d-flex gap-2 flex-wrap" id="arrival-shortcuts">'
        '<span class="small text-muted align-self-center">{}</span>{}</div>',
        _("Arrived"),
        buttons,
    )


class VisitForm(VersionedFormMixin, forms.ModelForm):
    """Quick entry of a walk-in or call, built to be finished on a phone in well under a minute. Every rule is
    checked in one pass: what the form cannot read is said next to its field, the register's rules over the rest."""

    visit_date = forms.DateField(label=_("Date"), widget=DatePicker())
    arrival_time = forms.TimeField(label=_("Arrival / call start"), widget=TimePicker())
    departure_time = forms.TimeField(label=_("Departure / call end"), widget=TimePicker())

    class Meta:
        model = Visit
        fields = [
            "kind",
            "customer_name",
            "gender",
            "phone",
            "no_phone",
            "district",
            "address",
            "car_model",
            "source",
            "party_size",
            "grade",
            "summary",
            "remarks",
            "consultant",
        ]
        widgets = {
            "kind": forms.RadioSelect,
            "gender": forms.RadioSelect,
            "phone": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
            "summary": forms.Textarea(attrs={"rows": 3}),
            "remarks": forms.Textarea(attrs={"rows": 2}),
            "party_size": forms.NumberInput(attrs={"min": 1, "max": 20}),
        }

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        showroom = user.showroom
        self.fields["customer_name"].widget.attrs["placeholder"] = _("e.g. 王先生 / Ms. Li")
        self.fields["phone"].widget.attrs["placeholder"] = "138 0000 0000"
        self.fields["grade"].choices = [("", _("No grade"))] + list(Grade.choices)
        self.fields["gender"].choices = [c for c in self.fields["gender"].choices if c[0] != ""] + [
            ("", _("Not recorded"))
        ]
        self.fields["district"].queryset = District.objects.active().filter(showroom=showroom)
        self.fields["car_model"].queryset = CarModel.objects.active()
        self.fields["source"].queryset = InformationSource.objects.active()
        self.fields["consultant"].queryset = User.objects.filter(showroom=showroom, is_active=True).order_by(
            "last_name", "first_name"
        )
        if not user.has_perm("leads.log_visit_for_others"):
            # The consultant is the logged-in user; only a manager enters visits for someone else.
            del self.fields["consultant"]

        if self.instance.pk is None:
            del self.fields["version"]  # a new entry has nothing to be stale against
        if not self.is_bound and self.instance.pk is None:
            now = showroom_now(showroom)
            self.initial.setdefault("visit_date", now.date())
            self.initial.setdefault("departure_time", now.time().replace(second=0, microsecond=0))
            self.initial.setdefault("consultant", user.pk)
        elif self.instance.pk:
            zone = self.instance.showroom.zone
            self.initial["visit_date"] = self.instance.visit_date
            self.initial["arrival_time"] = self.instance.arrived_at.astimezone(zone).time()
            self.initial["departure_time"] = self.instance.left_at.astimezone(zone).time()
            self.initial["version"] = self.instance.version
            self.fields["visit_date"].disabled = True  # an entry keeps its day and running number

        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Row(Column(Field("kind"), css_class="col-sm-6"), Column("visit_date", css_class="col-6 col-sm-6")),
            Row(
                Column("customer_name", css_class="col-sm-6"),
                Column(Field("gender"), css_class="col-sm-6"),
            ),
            Row(
                Column(
                    "phone",
                    HTML(
                        '<div id="phone-known" class="alert alert-warning py-1 px-2 small d-none" role="status"></div>'
                    ),
                    css_class="col-sm-6",
                ),
                Column(Field("no_phone"), css_class="col-sm-6 d-flex align-items-center"),
            ),
            Row(
                Column("arrival_time", css_class="col-6"),
                Column("departure_time", css_class="col-6"),
            ),
            Div(HTML(arrival_shortcuts())),
            Row(Column("car_model", css_class="col-sm-6"), Column("source", css_class="col-sm-6")),
            Row(Column("grade", css_class="col-sm-6"), Column("party_size", css_class="col-sm-6")),
            Row(Column("district", css_class="col-sm-6"), Column("address", css_class="col-sm-6")),
            "summary",
            "remarks",
            *(["consultant"] if "consultant" in self.fields else []),
            *(["version"] if "version" in self.fields else []),
        )

    def clean(self):
        cleaned = super().clean()
        day, arrival, departure = (cleaned.get(k) for k in ("visit_date", "arrival_time", "departure_time"))
        zone = self.user.showroom.zone
        if day and arrival:
            cleaned["arrived_at"] = datetime.combine(day, arrival, tzinfo=zone)
        if day and departure:
            cleaned["left_at"] = datetime.combine(day, departure, tzinfo=zone)
        add_rule_errors(
            self,
            instance=self.instance if self.instance.pk else Visit(showroom=self.user.showroom, visit_date=day),
            check=visit_check,
            fields=VISIT_FIELDS,
            readable=self.service_fields(),
            field_map=SERVICE_TO_FORM_FIELD,
        )
        return cleaned

    def _post_clean(self):
        # The service validates the entry as a whole (it knows the day, the clock and the showroom);
        # the ModelForm's own instance validation would only repeat part of it with other messages.
        pass

    def service_fields(self) -> dict:
        """The entry's fields as the form could read them (all of them once the form is valid)."""
        names = [*self.Meta.fields, "arrived_at", "left_at"]
        fields = {name: self.cleaned_data[name] for name in names if name in self.cleaned_data}
        if "consultant" not in self.fields:
            fields["consultant"] = self.user
        return fields


class LateReasonForm(forms.Form):
    """Beside the register form on a signed-off day: why the entry comes after the sign-off (补登)."""

    late_reason = forms.CharField(
        label=_("Why is this entry late?"),
        max_length=200,
        required=False,  # required by the service, only when the day turns out to be signed off
        widget=forms.TextInput(attrs={"placeholder": _("e.g. customer arrived at 19:40, after the sign-off")}),
    )


class LateEntryDecisionForm(VersionedFormMixin):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("decline", _("Decline"))])
    reason = forms.CharField(label=_("Reason for declining"), max_length=200, required=False)
