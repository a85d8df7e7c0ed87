"""After the order: the sales contract, the customer information card it opens (客户信息卡), the delivery with its
appointment (交车预约登记表) and checklist (交车检查表), callbacks to the new owner (新客户回访登记表) and complaints
followed to closure (客户抱怨问题闭环管理表)."""

from datetime import time

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length, Upper
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dealer_crm.core.history import Revision
from dealer_crm.core.models import CarModel, District, InformationSource, Showroom
from dealer_crm.core.versioning import Versioned
from leads.models import Gender, Grade, Lead

from .schedule import validate_offsets
from .validators import FORBIDDEN_VIN_LETTERS, VIN_LENGTH


class DeliverySettings(models.Model):
    """A showroom's delivery settings: when callbacks to new owners fall, and how deliveries are booked.
    A showroom without a row uses the defaults (see selectors.delivery_settings_for)."""

    showroom = models.OneToOneField(
        Showroom, verbose_name=_("showroom"), on_delete=models.CASCADE, related_name="delivery_settings"
    )
    callback_offsets = models.CharField(
        _("callbacks after delivery"),
        max_length=100,
        default="3d 3w 3m 6m",
        validators=[validate_offsets],
        help_text=_("Days (d), weeks (w) or months (m) after the delivery day, e.g. 3d 3w 3m 6m."),
    )
    repeat_every_months = models.PositiveSmallIntegerField(
        _("then a callback every (months)"), default=6, help_text=_("Counted on from the last callback above.")
    )
    slot_minutes = models.PositiveSmallIntegerField(_("delivery slot (minutes)"), default=60)
    first_slot = models.TimeField(_("first delivery slot"), default=time(9))
    last_slot_ends = models.TimeField(_("deliveries end by"), default=time(18))

    class Meta:
        verbose_name = _("delivery settings")
        verbose_name_plural = _("delivery settings")
        constraints = [
            models.CheckConstraint(condition=Q(repeat_every_months__gte=1), name="delivery_settings_repeat_positive"),
            models.CheckConstraint(
                condition=Q(slot_minutes__gte=15, slot_minutes__lte=240), name="delivery_settings_slot_length"
            ),
            models.CheckConstraint(
                condition=Q(last_slot_ends__gt=F("first_slot")), name="delivery_settings_day_ends_after_start"
            ),
        ]

    def __str__(self):
        return str(self.showroom)


class PaymentMethod(models.TextChoices):
    """购买方式 on the card and the contract."""

    OWN_FUNDS = "own_funds", _("Own funds")
    LOAN = "loan", _("Loan")
    GOVERNMENT = "government", _("Government procurement")


# --- The contract ---------------------------------------------------------------------------------------------


class Contract(Versioned):
    """The sales contract (购车合同) of an ordered lead. Cancelling it puts the lead back in the tracker."""

    class Status(models.TextChoices):
        SIGNED = "signed", _("Signed")
        DELIVERED = "delivered", _("Delivered")
        CANCELLED = "cancelled", _("Cancelled")

    showroom = models.ForeignKey(
        Showroom, verbose_name=_("showroom"), on_delete=models.PROTECT, related_name="contracts"
    )
    lead = models.ForeignKey(Lead, verbose_name=_("lead"), on_delete=models.PROTECT, related_name="contracts")
    # The lead's consultant when it was signed: the customer's consultant through delivery and callbacks.
    consultant = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("consultant"), on_delete=models.PROTECT, related_name="contracts"
    )
    number = models.CharField(_("contract no."), max_length=30)
    signed_on = models.DateField(_("signing date"))
    car_model = models.ForeignKey(CarModel, verbose_name=_("model"), on_delete=models.PROTECT, related_name="+")
    trim = models.CharField(_("trim"), max_length=80, blank=True, default="")
    colour = models.CharField(_("colour"), max_length=40, blank=True, default="")
    vin = models.CharField(
        _("VIN"), max_length=VIN_LENGTH, blank=True, default="", help_text=_("Empty until the car is allocated.")
    )
    price = models.DecimalField(_("price"), max_digits=12, decimal_places=2)
    deposit = models.DecimalField(_("deposit"), max_digits=12, decimal_places=2, default=0)
    payment_method = models.CharField(_("payment"), max_length=20, choices=PaymentMethod.choices)
    trade_in = models.BooleanField(_("trade-in"), default=False)
    trade_in_vehicle = models.CharField(_("trade-in vehicle"), max_length=100, blank=True, default="")
    insurance = models.CharField(
        _("insurance"), max_length=100, blank=True, default="", help_text=_("Insurer and cover, if bought with us.")
    )
    planned_delivery_date = models.DateField(_("planned delivery date"))
    remarks = models.TextField(_("remarks"), blank=True, default="")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.SIGNED)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=200, blank=True, default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    revisions = GenericRelation(Revision, object_id_field="object_pk")

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["-signed_on", "-id"]
        permissions = [("cancel_contract", _("Can cancel a signed contract"))]
        constraints = [
            models.UniqueConstraint(fields=["showroom", "number"], name="contract_number_unique_per_showroom"),
            # A customer has one live contract at a time; cancelled ones stay as history.
            models.UniqueConstraint(
                fields=["lead"], condition=~Q(status="cancelled"), name="contract_one_live_per_lead"
            ),
            models.CheckConstraint(condition=~Q(number=""), name="contract_number_required"),
            models.CheckConstraint(condition=Q(price__gt=0), name="contract_price_positive"),
            models.CheckConstraint(
                condition=Q(deposit__gte=0) & Q(deposit__lte=F("price")), name="contract_deposit_within_price"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["signed", "delivered", "cancelled"]), name="contract_status"
            ),
            models.CheckConstraint(
                condition=Q(payment_method__in=PaymentMethod.values), name="contract_payment_method_valid"
            ),
            # Length and capitals here; the full alphabet is checked by validators.validate_vin (no regex in a
            # constraint both SQLite and PostgreSQL evaluate alike).
            models.CheckConstraint(
                condition=Q(vin="")
                | (
                    Q(Exact(Length("vin"), VIN_LENGTH))
                    & Q(vin=Upper("vin"))
                    & ~Q(vin__contains=FORBIDDEN_VIN_LETTERS[0])
                    & ~Q(vin__contains=FORBIDDEN_VIN_LETTERS[1])
                    & ~Q(vin__contains=FORBIDDEN_VIN_LETTERS[2])
                ),
                name="contract_vin_format",
            ),
            models.CheckConstraint(condition=~Q(status="delivered") | ~Q(vin=""), name="contract_delivered_has_vin"),
            models.CheckConstraint(
                condition=(Q(status="cancelled") & Q(cancelled_at__isnull=False) & ~Q(cancel_reason=""))
                | (~Q(status="cancelled") & Q(cancelled_at__isnull=True)),
                name="contract_cancelled_with_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["showroom", "status", "-signed_on"], name="contract_showroom_status"),
            models.Index(fields=["consultant", "status", "-signed_on"], name="contract_consultant_status"),
        ]

    def __str__(self):
        return f"{self.number} {self.lead.customer_name if self.lead_id else ''}".strip()

    @property
    def is_live(self) -> bool:
        return self.status == self.Status.SIGNED


# --- The customer information card (客户信息卡) ----------------------------------------------------------------


class SourceStructure(models.TextChoices):
    """结构来源"""

    SHOWROOM = "showroom", _("Showroom")
    REPEAT = "repeat", _("Repeat purchase")
    REFERRAL = "referral", _("Referral")
    OUTREACH = "outreach", _("Outreach")


class FirstSource(models.TextChoices):
    """第一来源, grouped under the source structure on the paper card."""

    CALL = "call", _("Phone call")
    WALK_IN = "walk_in", _("Walk-in")
    REPEAT_PURCHASE = "repeat_purchase", _("Existing customer buying again")
    CUSTOMER_REFERRAL = "customer_referral", _("Referred by an existing customer")
    SERVICE_REFERRAL = "service_referral", _("Referred by the service department")
    FRIENDS = "friends", _("Referred by friends and family")
    AGENT = "agent", _("Agent")
    EVENT = "event", _("Event")
    OUTREACH = "outreach", _("Outreach campaign")
    HEADQUARTERS = "headquarters", _("Leads from the automaker")
    DATABASE = "database", _("Database")


class PurchaseType(models.TextChoices):
    """购车形态"""

    FIRST = "first", _("First car")
    ADDITIONAL = "additional", _("Additional car")
    REPLACEMENT = "replacement", _("Replacement")
    LEASE = "lease", _("Lease")


class CustomerType(models.TextChoices):
    INDIVIDUAL = "individual", _("Individual")
    COMPANY = "company", _("Company")


class VehicleUse(models.TextChoices):
    """车辆用途"""

    FAMILY = "family", _("Family use")
    COMMUTING = "commuting", _("Commuting")
    BUSINESS = "business", _("Business reception")
    GOODS = "goods", _("Goods")
    MIXED = "mixed", _("Passengers and goods")
    CONVERSION = "conversion", _("Conversion")


class Priority(models.TextChoices):
    """车辆关注点: what matters most to the customer (several may)."""

    BRAND = "brand", _("Brand")
    PRICE = "price", pgettext_lazy("what matters most", "Price")  # not the lost-lead reason
    LOOKS = "looks", _("Looks")
    INTERIOR = "interior", _("Interior")
    EQUIPMENT = "equipment", _("Equipment")
    PERFORMANCE = "performance", _("Performance and handling")
    SERVICE = "service", _("Service")
    QUALITY = "quality", _("Quality")


CARD_GRADES = ["H", "A", "B", "C", "O"]


class CustomerCard(Versioned):
    """The customer information card, opened when the contract is signed: one per customer (lead), numbered per
    showroom. The consultant and the opening date are the contract's."""

    showroom = models.ForeignKey(Showroom, verbose_name=_("showroom"), on_delete=models.PROTECT, related_name="+")
    number = models.PositiveIntegerField(_("customer no."))
    lead = models.OneToOneField(Lead, verbose_name=_("lead"), on_delete=models.PROTECT, related_name="customer_card")
    # The contract that opened the card, or the one signed after it was cancelled.
    contract = models.ForeignKey(Contract, verbose_name=_("contract"), on_delete=models.PROTECT, related_name="+")
    opened_on = models.DateField(_("date opened"))
    # Customer
    customer_name = models.CharField(_("customer name"), max_length=50)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices, blank=True, default="")
    title = models.CharField(_("title"), max_length=50, blank=True, default="")
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True, default="")
    district = models.ForeignKey(
        District, verbose_name=_("district"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    postcode = models.CharField(_("postcode"), max_length=10, blank=True, default="")
    landline = models.CharField(_("landline"), max_length=30, blank=True, default="")
    mobile = models.CharField(_("mobile"), max_length=20, blank=True, default="")
    fax = models.CharField(_("fax"), max_length=30, blank=True, default="")
    email = models.EmailField(_("e-mail"), blank=True, default="")
    # Where the customer came from
    source_structure = models.CharField(
        _("source structure"), max_length=20, choices=SourceStructure.choices, blank=True, default=""
    )
    first_source = models.CharField(
        _("first source"), max_length=20, choices=FirstSource.choices, blank=True, default=""
    )
    information_source = models.ForeignKey(
        InformationSource,
        verbose_name=_("information source"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # Current vehicle
    current_vehicle = models.CharField(_("current vehicle"), max_length=100, blank=True, default="")
    current_vehicle_opinion = models.CharField(_("opinion of it"), max_length=200, blank=True, default="")
    purchase_type = models.CharField(
        _("purchase type"), max_length=20, choices=PurchaseType.choices, blank=True, default=""
    )
    # Way of life
    customer_type = models.CharField(
        _("customer type"), max_length=20, choices=CustomerType.choices, blank=True, default=""
    )
    industry = models.CharField(_("industry"), max_length=50, blank=True, default="")
    vehicle_use = models.CharField(_("vehicle use"), max_length=20, choices=VehicleUse.choices, blank=True, default="")
    payment_method = models.CharField(
        _("payment"), max_length=20, choices=PaymentMethod.choices, blank=True, default=""
    )
    expected_purchase_date = models.DateField(_("expected purchase"), null=True, blank=True)
    budget = models.CharField(_("budget"), max_length=50, blank=True, default="")
    trade_in = models.BooleanField(_("trade-in"), default=False)
    equipment_wishes = models.CharField(_("equipment wishes"), max_length=300, blank=True, default="")
    # New car
    priorities = models.JSONField(_("what matters most"), default=list, blank=True)  # Priority codes
    model_bought = models.ForeignKey(
        CarModel, verbose_name=_("model bought"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    initial_grade = models.CharField(
        _("initial grade"),
        max_length=1,
        choices=[(g, label) for g, label in Grade.choices if g in CARD_GRADES],
        blank=True,
        default="",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    revisions = GenericRelation(Revision, object_id_field="object_pk")
    history_phone_fields = ("landline", "mobile", "fax")
    history_list_choices = {"priorities": Priority.choices}

    class Meta:
        verbose_name = _("customer information card")
        verbose_name_plural = _("customer information cards")
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["showroom", "number"], name="card_number_unique_per_showroom"),
            models.CheckConstraint(condition=~Q(customer_name=""), name="card_customer_name_required"),
            models.CheckConstraint(condition=Q(initial_grade__in=["", *CARD_GRADES]), name="card_initial_grade"),
        ]

    def __str__(self):
        return f"{self.number:06d} {self.customer_name}"

    def priority_labels(self) -> list[str]:
        labels = dict(Priority.choices)
        return [labels[code] for code in self.priorities if code in labels]


# --- The delivery (交车) ----------------------------------------------------------------------------------------

# The delivery checklist (交车检查表): what must be done before the car leaves, and what may be.
REQUIRED_ITEMS = (
    "fees_confirmed",
    "vehicle_handed_over",
    "operation_explained",
    "warranty_explained",
    "advisor_introduced",
    "service_explained",
)
OPTIONAL_ITEMS = ("service_tour", "ceremony_photo")
CHECKLIST_ITEMS = (*REQUIRED_ITEMS, *OPTIONAL_ITEMS)


class Delivery(Versioned):
    """A contract's delivery: the appointment (one per showroom and time slot), then the day's checklist and the
    customer's confirmation. Completing it starts the callbacks."""

    class Status(models.TextChoices):
        BOOKED = "booked", _("Booked")
        COMPLETED = "completed", _("Delivered")
        CANCELLED = "cancelled", _("Cancelled")

    showroom = models.ForeignKey(
        Showroom, verbose_name=_("showroom"), on_delete=models.PROTECT, related_name="deliveries"
    )
    contract = models.OneToOneField(
        Contract, verbose_name=_("contract"), on_delete=models.PROTECT, related_name="delivery"
    )
    starts_at = models.DateTimeField(_("delivery time"))  # the start of a slot (see DeliverySettings)
    consultant = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("consultant"), on_delete=models.PROTECT, related_name="deliveries"
    )
    service_advisor = models.CharField(_("service advisor"), max_length=50)
    notes = models.TextField(_("notes"), blank=True, default="")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.BOOKED)
    # The checklist
    fees_confirmed = models.BooleanField(_("Fees confirmed"), default=False)
    vehicle_handed_over = models.BooleanField(_("Vehicle and accessories handed over"), default=False)
    operation_explained = models.BooleanField(_("Operation explained with the owner's manual"), default=False)
    warranty_explained = models.BooleanField(_("Warranty explained"), default=False)
    advisor_introduced = models.BooleanField(_("Service advisor introduced, business cards exchanged"), default=False)
    service_explained = models.BooleanField(_("Service hours, booking and hotline explained"), default=False)
    service_tour = models.BooleanField(_("Tour of the service department"), default=False)
    ceremony_photo = models.BooleanField(_("Ceremony with gift and photo"), default=False)
    # The customer's confirmation
    customer_signed_name = models.CharField(_("customer's name as signed"), max_length=50, blank=True, default="")
    signature = models.TextField(_("signature"), blank=True, default="")  # a PNG as a data: URL, or empty
    completed_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    delivered_on = models.DateField(_("delivery day"), null=True, blank=True)  # showroom-local: callbacks count from it
    # A customer who collects before their booked day: the appointment is brought forward to the moment of the
    # handover, and the time it was booked for stays on the record with who moved it and when.
    moved_from = models.DateTimeField(_("booked for"), null=True, blank=True)
    moved_at = models.DateTimeField(_("brought forward at"), null=True, blank=True)
    moved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("brought forward by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    booked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    revisions = GenericRelation(Revision, object_id_field="object_pk")

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["starts_at"]
        constraints = [
            # Two deliveries never share a slot; a cancelled one frees it, and so does one brought forward to its
            # handover (it starts at that moment, off the slot grid).
            models.UniqueConstraint(
                fields=["showroom", "starts_at"],
                condition=~Q(status="cancelled") & Q(moved_from__isnull=True),
                name="delivery_one_per_slot",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["booked", "completed", "cancelled"]), name="delivery_status"
            ),
            models.CheckConstraint(condition=~Q(service_advisor=""), name="delivery_service_advisor_required"),
            # The checklist gate: no completed delivery with a required item open or without the customer's name.
            models.CheckConstraint(
                condition=~Q(status="completed")
                | (
                    Q(**{item: True for item in REQUIRED_ITEMS})
                    & ~Q(customer_signed_name="")
                    & Q(completed_at__isnull=False)
                    & Q(delivered_on__isnull=False)
                ),
                name="delivery_completed_checklist_done",
            ),
        ]
        indexes = [models.Index(fields=["showroom", "starts_at"], name="delivery_showroom_time")]

    def __str__(self):
        return f"{self.contract.number} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def is_booked(self) -> bool:
        return self.status == self.Status.BOOKED

    def open_required_items(self) -> list[str]:
        return [item for item in REQUIRED_ITEMS if not getattr(self, item)]


# --- Callbacks to the new owner (新客户回访) ---------------------------------------------------------------------


class Callback(models.Model):
    """One callback to a new owner, due a set time after the delivery. The fixed ones are made when the car is
    delivered; each later "every N months" one is made when the latest is done, so the table never holds an
    endless future."""

    class Status(models.TextChoices):
        PENDING = "pending", _("To do")
        DONE = "done", _("Done")

    delivery = models.ForeignKey(
        Delivery, verbose_name=_("delivery"), on_delete=models.CASCADE, related_name="callbacks"
    )
    showroom = models.ForeignKey(Showroom, on_delete=models.PROTECT, related_name="+")
    consultant = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("consultant"), on_delete=models.PROTECT, related_name="callbacks"
    )
    step = models.PositiveSmallIntegerField(_("no."))  # 1, 2, 3, … in order from the delivery
    offset = models.CharField(_("after delivery"), max_length=5)  # "3d", "3w", "3m", "12m" (schedule.Offset)
    due_date = models.DateField(_("due"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reached = models.BooleanField(_("customer reached"), null=True, blank=True)
    satisfaction = models.PositiveSmallIntegerField(_("satisfaction"), null=True, blank=True)  # 1 (poor) to 5
    remarks = models.TextField(_("remarks"), blank=True, default="")
    has_complaint = models.BooleanField(_("complaint"), default=False)

    revisions = GenericRelation(Revision, object_id_field="object_pk")

    class Meta:
        verbose_name = _("callback")
        verbose_name_plural = _("callbacks")
        ordering = ["due_date", "step"]
        constraints = [
            models.UniqueConstraint(fields=["delivery", "step"], name="callback_once_per_step"),
            models.CheckConstraint(condition=Q(status__in=["pending", "done"]), name="callback_status"),
            models.CheckConstraint(
                condition=Q(satisfaction__isnull=True) | Q(satisfaction__gte=1, satisfaction__lte=5),
                name="callback_satisfaction_1_to_5",
            ),
            models.CheckConstraint(
                condition=(Q(status="pending") & Q(done_at__isnull=True) & Q(reached__isnull=True))
                | (Q(status="done") & Q(done_at__isnull=False) & Q(reached__isnull=False)),
                name="callback_done_has_outcome",
            ),
            # A satisfaction score and a complaint need the customer on the phone.
            models.CheckConstraint(
                condition=Q(reached=True) | (Q(satisfaction__isnull=True) & Q(has_complaint=False)),
                name="callback_score_needs_reached",
            ),
        ]
        indexes = [
            # The Today list, the navigation's count and the digest: a consultant's pending callbacks by due date.
            models.Index(fields=["consultant", "due_date"], condition=Q(status="pending"), name="callback_pending_due"),
            models.Index(fields=["showroom", "due_date"], name="callback_showroom_due"),
        ]

    def __str__(self):
        return f"{self.delivery_id} #{self.step} {self.due_date}"

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING


# --- Complaints (客户抱怨问题闭环管理表) -------------------------------------------------------------------------


class Complaint(models.Model):
    """A customer's complaint, followed to closure: who owns it, what was done (dated actions), how it closed."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("complaint", "Open")  # not an open lead
        IN_PROGRESS = "in_progress", _("In progress")
        CLOSED = "closed", _("Closed")

    showroom = models.ForeignKey(Showroom, verbose_name=_("showroom"), on_delete=models.PROTECT, related_name="+")
    delivery = models.ForeignKey(
        Delivery, verbose_name=_("delivery"), on_delete=models.PROTECT, related_name="complaints"
    )
    callback = models.OneToOneField(
        Callback, on_delete=models.PROTECT, null=True, blank=True, related_name="complaint"
    )  # the callback that heard it, if one did
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="complaints"
    )
    description = models.TextField(_("complaint"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN)
    opened_at = models.DateTimeField(_("opened"))
    opened_on = models.DateField()  # showroom-local day: the complaint's age counts from it
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closing_note = models.TextField(_("closing note"), blank=True, default="")

    revisions = GenericRelation(Revision, object_id_field="object_pk")

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["opened_at", "id"]
        permissions = [("close_complaint", _("Can close a customer complaint"))]
        constraints = [
            models.CheckConstraint(condition=~Q(description=""), name="complaint_description_required"),
            models.CheckConstraint(condition=Q(status__in=["open", "in_progress", "closed"]), name="complaint_status"),
            models.CheckConstraint(
                condition=(Q(status="closed") & Q(closed_at__isnull=False) & ~Q(closing_note=""))
                | (~Q(status="closed") & Q(closed_at__isnull=True)),
                name="complaint_closed_with_note",
            ),
        ]
        indexes = [
            models.Index(fields=["showroom", "opened_at"], condition=~Q(status="closed"), name="complaint_unresolved")
        ]

    def __str__(self):
        return f"{self.delivery_id}: {self.description[:30]}"

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED


class ComplaintAction(models.Model):
    """One thing done about a complaint, dated (措施 on the paper form)."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="actions")
    taken_on = models.DateField(_("date"))
    description = models.TextField(_("action taken"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("action on a complaint")
        verbose_name_plural = _("actions on complaints")
        ordering = ["taken_on", "id"]
        constraints = [models.CheckConstraint(condition=~Q(description=""), name="complaint_action_required")]

    def __str__(self):
        return f"{self.complaint_id} {self.taken_on}"
