"""Forms of the delivery pages. They only collect input; the rules are in delivery.services."""

from datetime import datetime, timedelta

from crispy_forms.bootstrap import InlineCheckboxes, InlineRadios
from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Column, Field, Layout, Row
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dealer_crm.core.clock import showroom_today
from dealer_crm.core.forms import add_rule_errors
from dealer_crm.core.models import CarModel, District, User
from dealer_crm.core.versioning import VersionedFormMixin
from dealer_crm.core.widgets import DatePicker, TimePicker
from leads.forms.tracker import section_heading
from leads.models import Lead

from .models import CHECKLIST_ITEMS, Contract, CustomerCard, Delivery, PaymentMethod, Priority
from .services import CARD_FIELDS, CONTRACT_FIELDS, card_check, contract_check
from .validators import VIN_LENGTH

# The service speaks of the moment a delivery starts; the form asks for a date and a time.
DELIVERY_SERVICE_TO_FORM_FIELD = {"starts_at": "start_time"}


def _staff_of(showroom_id: int):
    return User.objects.filter(showroom_id=showroom_id, is_active=True).order_by("last_name", "first_name")


def vin_field(*, required: bool, help_text: str) -> forms.CharField:
    """Wider than a VIN: people type it with spaces or in lower case, and the service normalises it."""
    return forms.CharField(
        label=_("VIN"),
        max_length=VIN_LENGTH + 8,
        required=required,
        help_text=help_text,
        widget=forms.TextInput(
            attrs={
                "autocapitalize": "characters",
                "autocomplete": "off",
                "spellcheck": "false",
                "class": "font-monospace",
            }
        ),
    )


class ContractForm(VersionedFormMixin, forms.ModelForm):
    """The sales contract (购车合同): what was sold, for how much, and when the car is to be handed over. Every
    rule is checked in one pass: the form's own (a missing field) and the contract's over what it could read."""

    vin = vin_field(required=False, help_text=_("17 characters; empty until the car is allocated."))

    class Meta:
        model = Contract
        fields = [name for name in CONTRACT_FIELDS if name != "vin"]
        widgets = {
            "signed_on": DatePicker(),
            "planned_delivery_date": DatePicker(),
            "payment_method": forms.RadioSelect,
            "price": forms.NumberInput(attrs={"inputmode": "decimal", "min": 0, "step": "0.01"}),
            "deposit": forms.NumberInput(attrs={"inputmode": "decimal", "min": 0, "step": "0.01"}),
            "remarks": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, lead: Lead, **kwargs):
        super().__init__(*args, **kwargs)
        contract = self.instance
        current = Q(pk=contract.car_model_id) if contract.car_model_id else Q(pk__in=[])
        self.fields["car_model"].queryset = CarModel.objects.filter(Q(is_active=True) | current)
        self.fields["payment_method"].choices = PaymentMethod.choices
        if contract.pk is None:
            del self.fields["version"]  # a new contract has nothing to be stale against
        if not self.is_bound:
            if contract.pk:
                self.initial["version"] = contract.version
            else:
                today = showroom_today(lead.showroom)
                self.initial.update(
                    signed_on=today,
                    planned_delivery_date=today + timedelta(days=7),
                    car_model=lead.car_models.first(),
                    trade_in=lead.trade_in,
                    deposit=0,
                    payment_method=PaymentMethod.OWN_FUNDS,
                )
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Row(Column("number", css_class="col-sm-6"), Column("signed_on", css_class="col-sm-6")),
            HTML(section_heading(_("The car"))),
            Row(Column("car_model", css_class="col-sm-6"), Column("trim", css_class="col-sm-6")),
            Row(Column("colour", css_class="col-sm-6"), Column("vin", css_class="col-sm-6")),
            HTML(section_heading(_("Price and payment"))),
            Row(Column("price", css_class="col-6"), Column("deposit", css_class="col-6")),
            InlineRadios("payment_method"),
            Row(Column(Field("trade_in"), css_class="col-sm-4"), Column("trade_in_vehicle", css_class="col-sm-8")),
            "insurance",
            HTML(section_heading(_("Delivery"))),
            Row(Column("planned_delivery_date", css_class="col-sm-6")),
            "remarks",
            *(["version"] if "version" in self.fields else []),
        )

    def clean(self):
        cleaned = super().clean()
        add_rule_errors(
            self, instance=self.instance, check=contract_check, fields=CONTRACT_FIELDS, readable=self.service_fields()
        )
        return cleaned

    def _post_clean(self):
        # Saved through contract_sign / contract_update (rules, lead, card), never by ModelForm.save().
        pass

    def service_fields(self) -> dict:
        """The contract's fields as the form could read them (all of them once the form is valid)."""
        return {name: self.cleaned_data[name] for name in CONTRACT_FIELDS if name in self.cleaned_data}


class CardForm(VersionedFormMixin, forms.ModelForm):
    """The customer information card (客户信息卡), in the paper card's sections."""

    priorities = forms.MultipleChoiceField(
        label=_("What matters most"),
        choices=Priority.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = CustomerCard
        fields = list(CARD_FIELDS)
        widgets = {
            "gender": forms.RadioSelect,
            "birthday": DatePicker(),
            "expected_purchase_date": DatePicker(),
            "mobile": forms.TextInput(attrs={"inputmode": "tel"}),
            "landline": forms.TextInput(attrs={"inputmode": "tel"}),
            "postcode": forms.TextInput(attrs={"inputmode": "numeric"}),
            "equipment_wishes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        card = self.instance
        self.fields["district"].queryset = District.objects.filter(
            Q(showroom_id=card.showroom_id, is_active=True) | Q(pk=card.district_id)
        )
        self.fields["model_bought"].queryset = CarModel.objects.filter(Q(is_active=True) | Q(pk=card.model_bought_id))
        self.fields["gender"].choices = [c for c in self.fields["gender"].choices if c[0] != ""] + [
            ("", _("Not recorded"))
        ]
        if not self.is_bound:
            self.initial["version"] = card.version
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            HTML(section_heading(_("Customer"))),
            Row(Column("customer_name", css_class="col-sm-6"), Column(InlineRadios("gender"), css_class="col-sm-6")),
            Row(Column("title", css_class="col-sm-6"), Column("birthday", css_class="col-sm-6")),
            "address",
            Row(Column("district", css_class="col-sm-6"), Column("postcode", css_class="col-sm-6")),
            Row(Column("mobile", css_class="col-sm-6"), Column("landline", css_class="col-sm-6")),
            Row(Column("fax", css_class="col-sm-6"), Column("email", css_class="col-sm-6")),
            HTML(section_heading(_("Where the customer came from"))),
            Row(Column("source_structure", css_class="col-sm-6"), Column("first_source", css_class="col-sm-6")),
            Row(Column("information_source", css_class="col-sm-6")),
            HTML(section_heading(_("Current vehicle"))),
            Row(
                Column("current_vehicle", css_class="col-sm-6"), Column("current_vehicle_opinion", css_class="col-sm-6")
            ),
            Row(Column("purchase_type", css_class="col-sm-6")),
            HTML(section_heading(_("Way of life"))),
            Row(Column("customer_type", css_class="col-sm-6"), Column("industry", css_class="col-sm-6")),
            Row(Column("vehicle_use", css_class="col-sm-6"), Column("payment_method", css_class="col-sm-6")),
            Row(
                Column("expected_purchase_date", css_class="col-sm-4"),
                Column("budget", css_class="col-sm-4"),
                Column(Field("trade_in"), css_class="col-sm-4 pt-sm-4"),
            ),
            "equipment_wishes",
            HTML(section_heading(_("New car"))),
            InlineCheckboxes("priorities"),
            Row(Column("model_bought", css_class="col-sm-6"), Column("initial_grade", css_class="col-sm-6")),
            "version",
        )

    def clean(self):
        cleaned = super().clean()
        add_rule_errors(
            self, instance=self.instance, check=card_check, fields=CARD_FIELDS, readable=self.service_fields()
        )
        return cleaned

    def _post_clean(self):
        # Saved through card_update (history, optimistic lock), never by ModelForm.save().
        pass

    def service_fields(self) -> dict:
        """The card's fields as the form could read them (all of them once the form is valid)."""
        return {name: self.cleaned_data[name] for name in CARD_FIELDS if name in self.cleaned_data}


class DeliveryBookingForm(VersionedFormMixin, forms.Form):
    """The delivery appointment (交车预约登记表): when, who hands the car over, who from the service department.
    Moving a booked delivery carries the booking's version; a first booking has none."""

    date = forms.DateField(label=_("Date"), widget=DatePicker())
    start_time = forms.TimeField(label=_("Time"), widget=TimePicker())
    consultant = forms.ModelChoiceField(label=_("Consultant"), queryset=User.objects.none())
    service_advisor = forms.CharField(label=_("Service advisor"), max_length=50)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, contract: Contract, slot_minutes: int, booked: Delivery | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.contract = contract
        if booked is None:
            del self.fields["version"]
        elif not self.is_bound:
            self.initial["version"] = booked.version
        self.fields["consultant"].queryset = _staff_of(contract.showroom_id)
        self.fields["start_time"].widget.attrs["step"] = slot_minutes * 60
        self.fields["start_time"].help_text = _("Deliveries start every %(minutes)s minutes.") % {
            "minutes": slot_minutes
        }
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Row(Column("date", css_class="col-6"), Column("start_time", css_class="col-6")),
            Row(Column("consultant", css_class="col-sm-6"), Column("service_advisor", css_class="col-sm-6")),
            "notes",
            *(["version"] if "version" in self.fields else []),
        )

    def clean(self):
        cleaned = super().clean()
        day, start = cleaned.get("date"), cleaned.get("start_time")
        if day and start:
            cleaned["starts_at"] = datetime.combine(day, start, tzinfo=self.contract.showroom.zone)
        return cleaned


class VinForm(VersionedFormMixin, forms.Form):
    """The car's VIN, asked for on the delivery day page before the checklist when the contract has none."""

    vin = vin_field(required=True, help_text=_("17 characters, as on the car."))

    def __init__(self, *args, contract: Contract, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["version"] = contract.version


class MoveToNowForm(VersionedFormMixin, forms.Form):
    """Bring a delivery's appointment forward to now: nothing to type, only the version the page was drawn at."""


class ChecklistForm(VersionedFormMixin, forms.ModelForm):
    """The delivery checklist (交车检查表) and the customer's confirmation."""

    class Meta:
        model = Delivery
        fields = [*CHECKLIST_ITEMS, "customer_signed_name", "signature"]
        widgets = {"signature": forms.HiddenInput}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer_signed_name"].label = _("Customer's name")
        self.fields["customer_signed_name"].widget.attrs.update(autocomplete="off")
        if not self.is_bound:
            self.initial["version"] = self.instance.version

    def _post_clean(self):
        pass

    def items(self) -> dict[str, bool]:
        return {name: self.cleaned_data[name] for name in CHECKLIST_ITEMS}


SATISFACTION_CHOICES = [
    (5, _("5 – very satisfied")),
    (4, _("4 – satisfied")),
    (3, _("3 – neutral")),
    (2, _("2 – dissatisfied")),
    (1, _("1 – very dissatisfied")),
]


class CallbackForm(forms.Form):
    """One callback to a new owner (新客户回访登记表)."""

    reached = forms.TypedChoiceField(
        label=_("Customer reached"),
        choices=[("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    satisfaction = forms.TypedChoiceField(
        label=_("Satisfaction"),
        choices=SATISFACTION_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )
    remarks = forms.CharField(label=_("Remarks"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    has_complaint = forms.BooleanField(label=_("The customer has a complaint"), required=False)
    complaint = forms.CharField(label=_("Complaint"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        has_complaint = self.data.get("has_complaint") if self.is_bound else False
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            InlineRadios("reached"),
            Field("satisfaction"),
            "remarks",
            Field("has_complaint"),
            Field("complaint", wrapper_class="" if has_complaint else "d-none", css_class="complaint-text"),
        )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("has_complaint") and not (cleaned.get("complaint") or "").strip():
            self.add_error("complaint", _("What does the customer complain about?"))
        if not cleaned.get("has_complaint"):
            cleaned["complaint"] = ""
        return cleaned


class ComplaintForm(forms.Form):
    description = forms.CharField(label=_("Complaint"), widget=forms.Textarea(attrs={"rows": 3}))
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=User.objects.none())

    def __init__(self, *args, delivery: Delivery, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _staff_of(delivery.showroom_id)
        self.initial.setdefault("owner", delivery.contract.consultant_id)
        self.helper = FormHelper()
        self.helper.form_tag = False


class ComplaintActionForm(forms.Form):
    taken_on = forms.DateField(label=_("Date"), widget=DatePicker())
    description = forms.CharField(label=_("Action taken"), widget=forms.Textarea(attrs={"rows": 2}))


class ComplaintCloseForm(forms.Form):
    closing_note = forms.CharField(
        label=_("Closing note"),
        required=False,  # the service insists, so the message is the same for every way in
        widget=forms.Textarea(attrs={"rows": 2}),
    )
