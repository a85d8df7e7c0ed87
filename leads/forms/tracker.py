"""Forms of the intent-lead tracker. They only collect input; the rules are in leads.services.tracker."""

from datetime import date, datetime, timedelta

from crispy_forms.bootstrap import InlineRadios
from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Column, Div, Field, Layout, Row
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from dealer_crm.core.clock import showroom_now, showroom_today
from dealer_crm.core.forms import add_rule_errors, add_service_errors
from dealer_crm.core.models import CarModel, District, Role, User
from dealer_crm.core.versioning import VersionedFormMixin
from dealer_crm.core.widgets import DatePicker, TimePicker

from ..models import VISIT_GRADES, AppointmentPurpose, Contact, ContactKind, Grade, Lead, LostReason, LostRequest
from ..services.appointments import appointment_check
from ..services.tracker import H_SIGNALS, LEAD_DETAIL_FIELDS, contact_check, grade_suggest

# The service speaks of the moment of the contact; the form asks for a date and a time.
CONTACT_SERVICE_TO_FORM_FIELD = {"occurred_at": "contact_time"}
# services.appointments' fields, as the contact form asks for them.
APPOINTMENT_SERVICE_TO_FORM_FIELD = {"starts_at": "appointment_time", "ends_at": "appointment_minutes"}
# What contact_check reads of a contact, as the form collects it.
CONTACT_RULE_FIELDS = (
    "kind",
    "occurred_at",
    "grade_after",
    "next_follow_up",
    "late_reason",
    "suggested_grade",
    "grade_reason",
    "model_driven",
    "licence_number",
    "agreement_signed",
)
FACTOR_FIELDS = ("has_need", "has_decision_power", "has_purchasing_power", "expected_purchase_date")


def section_heading(title: str) -> str:
    """A heading inside a crispy layout. Built here with gettext (a {% translate %} inside a Python string is
    never extracted into the catalogue)."""
    return format_html('<h2 class="h6 mt-2">{}</h2>', title)


def _lead_label(name: str):
    return capfirst(Lead._meta.get_field(name).verbose_name)


class GradeInputsForm(forms.Form):
    """What the grade assistant weighs: the three deciding factors, the purchase window and the H signals.
    The contact form shares these fields, so the browser can send the same inputs to the JSON endpoint."""

    has_need = forms.BooleanField(label=_lead_label("has_need"), required=False)
    has_decision_power = forms.BooleanField(label=_lead_label("has_decision_power"), required=False)
    has_purchasing_power = forms.BooleanField(label=_lead_label("has_purchasing_power"), required=False)
    expected_purchase_date = forms.DateField(
        label=_lead_label("expected_purchase_date"), required=False, widget=DatePicker()
    )
    signals = forms.MultipleChoiceField(
        label=_("Buying signals"),
        choices=list(H_SIGNALS.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def suggestion(self, *, today: date):
        data = self.cleaned_data
        return grade_suggest(
            has_need=data.get("has_need", False),
            has_decision_power=data.get("has_decision_power", False),
            has_purchasing_power=data.get("has_purchasing_power", False),
            expected_purchase_date=data.get("expected_purchase_date"),
            today=today,
            signals=frozenset(data.get("signals") or ()),
        )


class ContactForm(VersionedFormMixin, GradeInputsForm, forms.ModelForm):
    """Record a contact (one line of the daily report) and what it taught about the customer."""

    contact_date = forms.DateField(label=_("Date"), widget=DatePicker())
    contact_time = forms.TimeField(label=_("Time"), widget=TimePicker())
    # An invitation to visit (邀约到店), booked with the contact that made it.
    appointment_purpose = forms.ChoiceField(
        label=_("Invited for"), required=False, choices=[("", _("No appointment")), *AppointmentPurpose.choices]
    )
    appointment_date = forms.DateField(label=_("Day"), required=False, widget=DatePicker())
    appointment_time = forms.TimeField(label=_("From"), required=False, widget=TimePicker())
    appointment_minutes = forms.IntegerField(
        label=_("Minutes"), required=False, min_value=15, max_value=480, initial=60, help_text=_("Default: 60.")
    )

    class Meta:
        model = Contact
        fields = [
            "kind",
            "summary",
            "suggested_grade",
            "grade_after",
            "grade_reason",
            "next_follow_up",
            "late_reason",
            "model_driven",
            "licence_number",
            "agreement_signed",
            "impression",
        ]
        widgets = {
            "kind": forms.RadioSelect,
            "grade_after": forms.RadioSelect,
            "summary": forms.Textarea(attrs={"rows": 3}),
            "suggested_grade": forms.HiddenInput,
            "next_follow_up": DatePicker(),
        }

    def __init__(self, *args, lead: Lead, **kwargs):
        super().__init__(*args, **kwargs)
        self.lead = lead
        showroom = lead.showroom
        self.fields["kind"].choices = ContactKind.choices
        self.fields["grade_after"].choices = [(g, label) for g, label in Grade.choices if g in VISIT_GRADES]
        self.fields["grade_after"].label = _("Grade after this contact")
        self.fields["grade_reason"].required = False
        self.fields["next_follow_up"].help_text = _("Empty: the grade's follow-up interval.")
        self.fields["model_driven"].queryset = CarModel.objects.active()
        if not self.is_bound:
            now = showroom_now(showroom)
            self.initial.update(
                kind=ContactKind.PHONE_CALL,
                contact_date=now.date(),
                contact_time=now.time().replace(second=0, microsecond=0),
                grade_after=lead.grade,
                version=lead.version,
                **{name: getattr(lead, name) for name in FACTOR_FIELDS},
            )
        kind = self.data.get("kind") if self.is_bound else self.initial.get("kind")

        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            InlineRadios("kind"),
            Row(Column("contact_date", css_class="col-6"), Column("contact_time", css_class="col-6")),
            "summary",
            HTML(section_heading(_("What the customer told"))),
            Row(
                Column(Field("has_need"), css_class="col-sm-4"),
                Column(Field("has_decision_power"), css_class="col-sm-4"),
                Column(Field("has_purchasing_power"), css_class="col-sm-4"),
            ),
            Row(Column("expected_purchase_date", css_class="col-sm-6")),
            Field("signals"),
            HTML(
                '<div id="grade-suggestion" class="alert alert-info py-2 small" role="status" aria-live="polite">'
                "{{ suggestion_message }}</div>"
            ),
            "suggested_grade",
            InlineRadios("grade_after"),
            "grade_reason",
            Row(Column("next_follow_up", css_class="col-sm-6"), Column("late_reason", css_class="col-sm-6")),
            HTML(section_heading(_("Invitation to visit"))),
            Row(
                Column("appointment_purpose", css_class="col-sm-3"),
                Column("appointment_date", css_class="col-sm-3"),
                Column("appointment_time", css_class="col-sm-3"),
                Column("appointment_minutes", css_class="col-sm-3"),
                css_id="appointment-fields",
            ),
            Div(
                HTML(section_heading(_("Test drive"))),
                Row(Column("model_driven", css_class="col-sm-6"), Column("licence_number", css_class="col-sm-6")),
                Field("agreement_signed"),
                "impression",
                css_id="test-drive-fields",
                css_class="" if kind == ContactKind.TEST_DRIVE else "d-none",
                data_show_when=f"kind:{ContactKind.TEST_DRIVE}",
            ),
            "version",
        )

    def clean(self):
        cleaned = super().clean()
        day, moment = cleaned.get("contact_date"), cleaned.get("contact_time")
        if day and moment:
            cleaned["occurred_at"] = datetime.combine(day, moment, tzinfo=self.lead.showroom.zone)
        readable = {name: cleaned[name] for name in CONTACT_RULE_FIELDS if name in cleaned}
        readable["suggested_grade"] = self.server_suggested_grade()
        if not self.errors.keys().isdisjoint([*FACTOR_FIELDS, "signals"]):
            del readable["suggested_grade"]  # the assistant cannot weigh what the form could not read
        add_rule_errors(
            self,
            instance=Contact(lead=self.lead),
            check=contact_check,
            fields=CONTACT_RULE_FIELDS,
            readable=readable,
            field_map=CONTACT_SERVICE_TO_FORM_FIELD,
        )
        cleaned["appointment"] = self._clean_appointment(cleaned)
        return cleaned

    def _clean_appointment(self, cleaned) -> dict | None:
        """The booking as services.appointments.appointment_book takes it, its problems shown with the contact's."""
        purpose, day, start = (cleaned.get(f"appointment_{name}") for name in ("purpose", "date", "time"))
        if not purpose:
            if day or start:
                self.add_error("appointment_purpose", _("Choose what the customer comes for, or clear the day."))
            return None
        if not day:
            self.add_error("appointment_date", _("Give the day of the appointment."))
        if not start:
            self.add_error("appointment_time", _("Give the time of the appointment."))
        if not (day and start):
            return None
        starts_at = datetime.combine(day, start, tzinfo=self.lead.showroom.zone)
        ends_at = starts_at + timedelta(minutes=cleaned.get("appointment_minutes") or 60)
        errors = appointment_check(lead=self.lead, starts_at=starts_at, ends_at=ends_at)
        if errors:
            add_service_errors(self, ValidationError(errors), APPOINTMENT_SERVICE_TO_FORM_FIELD)
            return None
        return {"purpose": purpose, "starts_at": starts_at, "ends_at": ends_at}

    def server_suggested_grade(self) -> str:
        """The assistant's grade as the server weighs the inputs (not the page's hidden copy, which may be stale
        or edited); none for an order: it is a fact, not a judgement."""
        data = self.cleaned_data
        if data.get("kind") == ContactKind.ORDER or data.get("grade_after") == "O":
            return ""
        suggestion = self.suggestion(today=showroom_today(self.lead.showroom))
        return suggestion.grade if suggestion else ""  # nothing answered: nothing to weigh the grade against

    def _post_clean(self):
        # contact_record validates the contact as a whole; the ModelForm's instance check would repeat part of it.
        pass

    def detail_fields(self) -> dict:
        """The lead's deciding factors and purchase window as this contact left them."""
        return {name: self.cleaned_data.get(name) for name in FACTOR_FIELDS}

    def contact_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "occurred_at": data["occurred_at"],
            "summary": data["summary"],
            "grade_after": data["grade_after"],
            "grade_reason": data["grade_reason"],
            "next_follow_up": data["next_follow_up"],
            "late_reason": data["late_reason"],
            "model_driven": data["model_driven"],
            "licence_number": data["licence_number"],
            "agreement_signed": data["agreement_signed"],
            "impression": data["impression"],
        }


class LeadDetailsForm(VersionedFormMixin, forms.ModelForm):
    """What we know of the customer. The grade is not here: it changes only through a recorded contact."""

    class Meta:
        model = Lead
        fields = [*LEAD_DETAIL_FIELDS, "car_models"]
        widgets = {
            "gender": forms.RadioSelect,
            "expected_purchase_date": DatePicker(),
            "car_models": forms.SelectMultiple(attrs={"size": 6}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        lead = self.instance
        self.fields["district"].queryset = District.objects.active().filter(showroom_id=lead.showroom_id)
        # A model taken out of the catalogue stays selectable on the leads that already have it.
        current = Q(pk__in=lead.car_models.all()) if lead.pk else Q(pk__in=[])
        self.fields["car_models"].queryset = CarModel.objects.filter(Q(is_active=True) | current)
        if not self.is_bound:
            self.initial["version"] = lead.version

        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Row(Column("customer_name", css_class="col-sm-6"), Column(InlineRadios("gender"), css_class="col-sm-6")),
            Row(Column("district", css_class="col-sm-6"), Column("channel", css_class="col-sm-6")),
            "car_models",
            HTML(section_heading(_("Deciding factors"))),
            Row(
                Column(Field("has_need"), css_class="col-sm-4"),
                Column(Field("has_decision_power"), css_class="col-sm-4"),
                Column(Field("has_purchasing_power"), css_class="col-sm-4"),
            ),
            Row(Column("expected_purchase_date", css_class="col-sm-6"), Column("budget", css_class="col-sm-6")),
            Row(Column(Field("trade_in"), css_class="col-sm-6"), Column("competitors", css_class="col-sm-6")),
            "version",
        )

    def _post_clean(self):
        # Saved through lead_update_details (optimistic lock, history event), never by ModelForm.save().
        pass

    def service_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in LEAD_DETAIL_FIELDS}


class LostRequestForm(forms.ModelForm):
    """The consultant asks to close a lead as lost (战败); the manager decides."""

    class Meta:
        model = LostRequest
        fields = ["reason", "competitor_brand", "competitor_model", "note"]
        widgets = {"reason": forms.RadioSelect, "note": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = LostReason.choices
        reason = self.data.get("reason") if self.is_bound else None
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Field("reason"),
            Div(
                Row(
                    Column("competitor_brand", css_class="col-sm-6"),
                    Column("competitor_model", css_class="col-sm-6"),
                ),
                css_id="competitor-fields",
                css_class="" if reason == LostReason.COMPETITOR else "d-none",
                data_show_when=f"reason:{LostReason.COMPETITOR}",
            ),
            "note",
        )

    def _post_clean(self):
        pass


class LostDecisionForm(forms.Form):
    """Approve a lost request, or send it back with a comment (the service insists on one)."""

    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("return", _("Send back"))])
    comment = forms.CharField(label=_("Comment"), max_length=200, required=False)


def _consultants(showroom_id: int):
    return User.objects.filter(showroom_id=showroom_id, is_active=True, groups__name=Role.CONSULTANT).order_by(
        "last_name", "first_name"
    )


class ReassignForm(forms.Form):
    """The manager hands the leads ticked in the tracker to another consultant."""

    leads = forms.ModelMultipleChoiceField(
        label=_("Leads"),
        queryset=Lead.objects.none(),
        error_messages={"required": _("Tick the leads to reassign.")},
    )
    to = forms.ModelChoiceField(label=_("Reassign to"), queryset=User.objects.none())
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)

    def __init__(self, *args, user: User, leads, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leads"].queryset = leads
        self.fields["to"].queryset = _consultants(user.showroom_id)
        self.fields["reason"].widget.attrs["placeholder"] = _("Reason (optional)")


class ReassignAllForm(forms.Form):
    """Every open lead of one consultant (one who leaves, say) to another."""

    from_owner = forms.ModelChoiceField(label=_("All open leads of"), queryset=User.objects.none())
    to = forms.ModelChoiceField(label=_("Reassign to"), queryset=User.objects.none())
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        # Whoever owns leads, also someone already deactivated: their leads still need a new owner.
        self.fields["from_owner"].queryset = User.objects.filter(showroom_id=user.showroom_id).order_by(
            "last_name", "first_name"
        )
        self.fields["to"].queryset = _consultants(user.showroom_id)
        self.fields["reason"].widget.attrs["placeholder"] = _("Reason (optional)")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("from_owner") and cleaned.get("from_owner") == cleaned.get("to"):
            self.add_error("to", _("Choose another consultant than the one the leads come from."))
        return cleaned


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=DatePicker())
    end = forms.DateField(label=_("To"), widget=DatePicker())

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("start") and cleaned.get("end") and cleaned["start"] > cleaned["end"]:
            self.add_error("end", _("The end of the period cannot be before its start."))
        return cleaned


class MonthForm(forms.Form):
    month = forms.DateField(
        label=_("Month"),
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month", "class": "form-control"}, format="%Y-%m"),
        error_messages={"invalid": _("Enter a month as YYYY-MM.")},
    )
