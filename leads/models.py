"""The visitor register (来店(电)顾客登记表) with its daily sign-off, and the intent leads it feeds
(意向客户进度管控表): contacts, grades, lost-lead approvals and every change in a lead's history."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dealer_crm.core.history import Revision
from dealer_crm.core.models import CarModel, District, InformationSource, Showroom
from dealer_crm.core.signoff import SignOff
from dealer_crm.core.versioning import Versioned


class VisitKind(models.TextChoices):
    WALK_IN = "walk_in", _("Walk-in")
    CALL = "call", _("Phone call")


class Gender(models.TextChoices):
    MALE = "m", _("Male")
    FEMALE = "f", _("Female")
    UNKNOWN = "", _("Not recorded")


class Grade(models.TextChoices):
    """Intent grade (意向级别): expected purchase window, see DOMAIN.md. O = deposit or order on the spot."""

    H = "H", _("H – within 7 days")
    A = "A", _("A – within 15 days")
    B = "B", _("B – within 30 days")
    C = "C", _("C – within 90 days")
    O = "O", _("O – ordered")  # noqa: E741 (the letter the paper form uses)
    F = "F", _("F – lost")


# Grades a lead is followed up in; O and F close the lead. The register records H–C or O (a deal on the spot).
OPEN_GRADES = ["H", "A", "B", "C"]
VISIT_GRADES = [*OPEN_GRADES, "O"]
GRADE_RANK = {"C": 1, "B": 2, "A": 3, "H": 4, "O": 5}  # higher is closer to buying; F is not ranked


class VisitQuerySet(models.QuerySet):
    def live(self):
        """Entries not soft-deleted: what every list and figure counts."""
        return self.filter(deleted_at__isnull=True)


class Visit(Versioned):
    """One line of the visitor register: a walk-in or a phone call, entered right after it ended."""

    showroom = models.ForeignKey(Showroom, verbose_name=_("showroom"), on_delete=models.PROTECT, related_name="visits")
    visit_date = models.DateField(_("date"))  # showroom-local date of arrival
    number = models.PositiveIntegerField(_("no."))  # running number within the showroom and day
    kind = models.CharField(_("walk-in or call"), max_length=10, choices=VisitKind.choices, default=VisitKind.WALK_IN)
    customer_name = models.CharField(_("customer name or salutation"), max_length=50)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices, blank=True, default="")
    phone = models.CharField(_("phone"), max_length=20, blank=True, default="")  # normalised digits
    no_phone = models.BooleanField(_("left no phone"), default=False)
    district = models.ForeignKey(
        District, verbose_name=_("district"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    address = models.CharField(_("address"), max_length=200, blank=True, default="")
    car_model = models.ForeignKey(
        CarModel, verbose_name=_("model of interest"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    source = models.ForeignKey(
        InformationSource,
        verbose_name=_("information source"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    arrived_at = models.DateTimeField(_("arrival"))
    left_at = models.DateTimeField(_("departure"))
    party_size = models.PositiveSmallIntegerField(_("party size"), default=1)
    grade = models.CharField(
        _("intent grade"),
        max_length=1,
        choices=[(g, label) for g, label in Grade.choices if g in VISIT_GRADES],
        blank=True,
        default="",
    )
    summary = models.TextField(_("talk summary"), blank=True, default="")
    remarks = models.TextField(_("remarks"), blank=True, default="")
    consultant = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("consultant"), on_delete=models.PROTECT, related_name="visits"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # A late entry (补登): filed after the day was signed off, joined the register when the manager approved it.
    late = models.BooleanField(_("late entry"), default=False, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    delete_reason = models.CharField(_("reason for deletion"), max_length=200, blank=True, default="")

    objects = VisitQuerySet.as_manager()

    revisions = GenericRelation(Revision, object_id_field="object_pk")
    history_phone_fields = ("phone",)

    class Meta:
        verbose_name = _("register entry")
        verbose_name_plural = _("register entries")
        ordering = ["-visit_date", "-number"]
        permissions = [
            ("sign_off_registerday", _("Can sign off and reopen a register day")),
            ("log_visit_for_others", _("Can log a visit for another consultant")),
            ("view_all_phones", _("Can see every customer's phone number")),
        ]
        constraints = [
            models.UniqueConstraint(fields=["showroom", "visit_date", "number"], name="visit_unique_number_per_day"),
            models.CheckConstraint(condition=~Q(customer_name=""), name="visit_customer_name_required"),
            models.CheckConstraint(condition=Q(left_at__gt=models.F("arrived_at")), name="visit_left_after_arrival"),
            # Either a phone number or the explicit "left no phone" tick, never both, never neither.
            models.CheckConstraint(
                condition=(Q(no_phone=False) & ~Q(phone="")) | (Q(no_phone=True) & Q(phone="")),
                name="visit_phone_or_no_phone_tick",
            ),
            models.CheckConstraint(condition=Q(grade="") | ~Q(phone=""), name="visit_grade_needs_phone"),
            models.CheckConstraint(condition=Q(grade__in=["", *VISIT_GRADES]), name="visit_grade_valid"),
            models.CheckConstraint(condition=Q(kind__in=VisitKind.values), name="visit_kind_valid"),
            models.CheckConstraint(condition=Q(party_size__gte=1), name="visit_party_size_positive"),
        ]
        indexes = [
            # The register list (one showroom, a date range, newest first) reads the unique constraint's index
            # backwards; these serve each filter within it.
            models.Index(fields=["showroom", "consultant", "-visit_date"], name="visit_consultant_date"),
            models.Index(fields=["showroom", "phone"], name="visit_showroom_phone"),
            models.Index(fields=["showroom", "kind", "-visit_date"], name="visit_kind_date"),
            models.Index(fields=["showroom", "grade", "-visit_date"], name="visit_grade_date"),
            models.Index(fields=["showroom", "source", "-visit_date"], name="visit_source_date"),
            models.Index(fields=["showroom", "car_model", "-visit_date"], name="visit_model_date"),
            models.Index(fields=["showroom", "no_phone", "-visit_date"], name="visit_no_phone_date"),
            # The reports' dashboards (reports.analytics.selectors): every figure of a period's entries is an index-only
            # scan of this narrow index instead of the wide rows (at 1M entries: a month's batches per day
            # 72 → 14 ms, per weekday 70 → 25 ms; see benchmarks/README.md).
            models.Index(
                fields=["showroom", "visit_date"],
                include=["id", "kind", "no_phone", "consultant", "arrived_at", "left_at", "source", "district"],
                condition=Q(deleted_at__isnull=True),
                name="visit_report",
            ),
        ]

    def __str__(self):
        return f"{self.visit_date:%Y-%m-%d} #{self.number} {self.customer_name}"

    @property
    def duration_minutes(self) -> int:
        return int((self.left_at - self.arrived_at).total_seconds() // 60)

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class RegisterDay(SignOff):
    """A showroom's register for one day: holds the running-number lock and the manager's sign-off.

    The snapshot of a signed day (see register_day_snapshot): {"entries": [[id, version], …], "totals": {…},
    "amendments": [{"late_entry": id, "visit": id, "at": …, "by": id}, …]}: the entries the manager signed, and
    the late entries approved since, which is what the month's workbook reads for the day."""

    showroom = models.ForeignKey(Showroom, on_delete=models.PROTECT, related_name="register_days")
    date = models.DateField(_("date"))

    revisions = GenericRelation(Revision, object_id_field="object_pk")

    class Meta(SignOff.Meta):
        verbose_name = _("register day")
        verbose_name_plural = _("register days")
        constraints = [
            *SignOff.Meta.constraints,
            models.UniqueConstraint(fields=["showroom", "date"], name="register_day_unique"),
        ]

    def __str__(self):
        return f"{self.showroom} {self.date:%Y-%m-%d}"


class LateEntry(Versioned):
    """A register entry filed for a day already signed off (补登): waits for the manager, who approves it (it
    joins the day's register, marked late, and the day's sign-off records the amendment) or declines it with a
    reason. Kept either way, with the entry as it was typed.

    `fields` holds the entry as the register's form gave it, each value as its model field writes it to text
    (Field.value_to_string), so approving it later builds the same Visit the consultant saw validated."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")

    showroom = models.ForeignKey(Showroom, on_delete=models.PROTECT, related_name="+")
    visit_date = models.DateField(_("date"))
    consultant = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("consultant"), on_delete=models.PROTECT, related_name="+"
    )
    customer_name = models.CharField(_("customer name or salutation"), max_length=50)
    arrived_at = models.DateTimeField(_("arrival"))
    fields = models.JSONField(default=dict)
    reason = models.CharField(_("why it is late"), max_length=200)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    filed_at = models.DateTimeField(_("filed at"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.CharField(_("reason for declining"), max_length=200, blank=True, default="")
    visit = models.OneToOneField(Visit, on_delete=models.PROTECT, null=True, blank=True, related_name="late_entry")

    class Meta:
        verbose_name = _("late entry")
        verbose_name_plural = _("late entries")
        ordering = ["filed_at", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="late_entry_reason_required"),
            models.CheckConstraint(
                condition=Q(state="pending", decided_at__isnull=True, visit__isnull=True)
                | Q(state="approved", decided_at__isnull=False, visit__isnull=False)
                | Q(state="declined", decided_at__isnull=False, visit__isnull=True) & ~Q(decision_reason=""),
                name="late_entry_decision_complete",
            ),
        ]
        indexes = [models.Index(fields=["showroom", "state", "visit_date"], name="late_entry_queue")]

    def __str__(self):
        return f"{self.visit_date:%Y-%m-%d} {self.customer_name} ({self.state})"


class LeadStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ORDERED = "ordered", _("Ordered")
    LOST = "lost", _("Lost")


class Channel(models.TextChoices):
    """Where the lead came from (来源渠道). Referrals by existing customers get the highest priority."""

    WALK_IN = "walk_in", _("Showroom walk-in")
    CALL = "call", _("Phone call")
    REFERRAL = "referral", _("Referral by a customer")
    EVENT = "event", _("Event")
    REPEAT = "repeat", _("Repeat purchase")
    # Came in through the DCC desk: a car portal, the automaker's app or site, an inquiry form, the hotline.
    ONLINE = "online", _("Online lead")
    OTHER = "other", _("Other")


class Lead(Versioned):
    """An intent customer (意向客户): one phone number, owned by one consultant, followed up until ordered or lost."""

    showroom = models.ForeignKey(Showroom, verbose_name=_("showroom"), on_delete=models.PROTECT, related_name="leads")
    phone = models.CharField(_("phone"), max_length=20)  # normalised, as on Visit
    customer_name = models.CharField(_("customer name"), max_length=50)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices, blank=True, default="")
    district = models.ForeignKey(
        District, verbose_name=_("district"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("consultant"), on_delete=models.PROTECT, related_name="leads"
    )
    car_models = models.ManyToManyField(CarModel, verbose_name=_("models of interest"), blank=True, related_name="+")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.WALK_IN)
    grade = models.CharField(_("grade"), max_length=1, choices=Grade.choices)
    status = models.CharField(_("status"), max_length=10, choices=LeadStatus.choices, default=LeadStatus.OPEN)
    # The three deciding factors (需求, 信心/决策权, 购买力) behind a grade.
    has_need = models.BooleanField(_("need"), default=False)
    has_decision_power = models.BooleanField(_("confidence / decision power"), default=False)
    has_purchasing_power = models.BooleanField(_("purchasing power"), default=False)
    expected_purchase_date = models.DateField(_("expected purchase"), null=True, blank=True)
    budget = models.CharField(_("budget"), max_length=50, blank=True, default="")
    trade_in = models.BooleanField(_("trade-in"), default=False)
    competitors = models.CharField(_("competitor models considered"), max_length=200, blank=True, default="")
    last_contact_at = models.DateTimeField(_("last contact"), null=True, blank=True)
    # The "next due" column the reminders read: set by every contact, cleared when the lead closes.
    next_follow_up = models.DateField(_("next follow-up"), null=True, blank=True)
    # The first-response deadline of an online inquiry nobody has answered yet (DCC): set when the inquiry
    # arrives, cleared by the first call or message recorded with the customer (contact_record). Like the
    # follow-up date, it lives on the lead so that recording a contact settles it; the DCC app reads it.
    response_due_at = models.DateTimeField(_("first response due"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    revisions = GenericRelation(Revision, object_id_field="object_pk")
    history_phone_fields = ("phone",)

    class Meta:
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        permissions = [
            ("decide_lost_lead", _("Can approve or return a lost-lead request")),
            ("reassign_lead", _("Can reassign leads between consultants")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["showroom", "phone"], condition=Q(status="open"), name="lead_one_open_per_phone"
            ),
            models.CheckConstraint(
                condition=(Q(status="open") & Q(grade__in=OPEN_GRADES))
                | (Q(status="ordered") & Q(grade="O"))
                | (Q(status="lost") & Q(grade="F")),
                name="lead_grade_matches_status",
            ),
            models.CheckConstraint(
                condition=Q(status="open") | Q(next_follow_up__isnull=True), name="lead_closed_has_no_follow_up"
            ),
        ]
        indexes = [
            # The tracker and the reminders: open leads of a showroom (or an owner) by due date, in the tracker's
            # whole order (selectors.tracker.tracker_rows), so a page is read off the index without a sort.
            models.Index(
                fields=["showroom", "owner", "next_follow_up", "-grade", "id"],
                condition=Q(status="open"),
                name="lead_open_due",
            ),
            models.Index(
                fields=["showroom", "next_follow_up", "-grade", "id"],
                condition=Q(status="open"),
                name="lead_open_due_all",
            ),
            models.Index(fields=["showroom", "status", "grade"], name="lead_status_grade"),
            models.Index(fields=["showroom", "phone"], name="lead_phone"),
            # The deadline scan and the Today countdown: only unanswered online inquiries carry a deadline.
            models.Index(
                fields=["response_due_at"], condition=Q(response_due_at__isnull=False), name="lead_response_due"
            ),
        ]

    def __str__(self):
        return f"{self.customer_name} ({self.grade})"

    @property
    def is_open(self) -> bool:
        return self.status == LeadStatus.OPEN


class ContactKind(models.TextChoices):
    """The lines of the daily sales report (营业日报表)."""

    PHONE_CALL = "phone_call", pgettext_lazy("contact kind", "Phone call")  # a call we make: 电话跟进, not 来电
    SHOWROOM_VISIT = "showroom_visit", _("Showroom visit")
    INVITATION = "invitation", _("Invitation")
    TEST_DRIVE = "test_drive", _("Test drive")
    QUOTATION = "quotation", _("Quotation")
    ORDER = "order", _("Order")
    DELIVERY = "delivery", _("Delivery")
    CALLBACK = "callback", _("Callback")
    MESSAGE = "message", _("Message")


class Contact(models.Model):
    """One contact with a lead: the only way its grade changes, so every grade change is dated and attributed."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="contacts")
    showroom = models.ForeignKey(Showroom, on_delete=models.PROTECT, related_name="+")  # for per-showroom reports
    consultant = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("consultant"), on_delete=models.PROTECT, related_name="contacts"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ContactKind.choices)
    occurred_at = models.DateTimeField(_("when"))
    contact_date = models.DateField()  # showroom-local date of occurred_at: the daily report's day
    summary = models.TextField(_("what happened"), blank=True, default="")
    grade_before = models.CharField(max_length=1, choices=Grade.choices, blank=True, default="")
    grade_after = models.CharField(_("grade after"), max_length=1, choices=Grade.choices)
    suggested_grade = models.CharField(max_length=1, blank=True, default="")
    grade_reason = models.CharField(_("why this grade"), max_length=200, blank=True, default="")
    next_follow_up = models.DateField(_("next contact"), null=True, blank=True)
    late_reason = models.CharField(_("why later than the interval"), max_length=200, blank=True, default="")
    visit = models.OneToOneField(Visit, on_delete=models.PROTECT, null=True, blank=True, related_name="contact")
    # Test drive (试乘试驾)
    model_driven = models.ForeignKey(
        CarModel, verbose_name=_("model driven"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    licence_number = models.CharField(_("driving licence number"), max_length=30, blank=True, default="")
    agreement_signed = models.BooleanField(_("test-drive agreement signed"), default=False)
    impression = models.CharField(_("customer's impression"), max_length=200, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["showroom", "contact_date", "consultant"], name="contact_day"),
            models.Index(fields=["lead", "-occurred_at"], name="contact_lead_time"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.contact_date} → {self.grade_after}"


class LeadEvent(models.Model):
    """The lead's history. Every row records the grade, status and owner *after* the event, so the state
    of any lead at any past moment is its latest event before that moment (the monthly grade status)."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Lead created")
        CONTACT = "contact", _("Contact")
        REASSIGNED = "reassigned", _("Reassigned")
        CLASH = "clash", _("Met by another consultant")
        LOST_REQUESTED = "lost_requested", _("Lost requested")
        LOST_APPROVED = "lost_approved", _("Lost approved")
        LOST_RETURNED = "lost_returned", _("Lost request sent back")
        REOPENED = "reopened", _("Reopened")
        EDITED = "edited", _("Details changed")
        # The order fell through (contract cancelled): the lead is open again, not a new customer.
        ORDER_CANCELLED = "order_cancelled", _("Order cancelled")
        # The DCC desk (online leads): an inquiry arrived for this lead, it was given to a consultant (by
        # rotation or by hand), its first-response deadline passed, and invitations to visit (邀约到店).
        ONLINE_INQUIRY = "online_inquiry", _("Online inquiry")
        ASSIGNED = "assigned", _("Assigned")
        RESPONSE_OVERDUE = "response_overdue", _("First response overdue")
        APPOINTMENT_BOOKED = "appointment_booked", _("Appointment booked")
        APPOINTMENT_ARRIVED = "appointment_arrived", _("Came to the appointment")
        APPOINTMENT_NO_SHOW = "appointment_no_show", _("Missed the appointment")

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    grade = models.CharField(max_length=1, choices=Grade.choices)
    status = models.CharField(max_length=10, choices=LeadStatus.choices)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    contact = models.OneToOneField(Contact, on_delete=models.CASCADE, null=True, blank=True, related_name="event")
    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    note = models.TextField(blank=True, default="")
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["lead", "at"], name="lead_event_time"),
            # "Leads touched since a day began" (reports.analytics.selectors.missed_follow_ups, the daily review): at
            # 1.5M events a sequential scan of all of them, 80 ms twice per page; with this, under 1 ms.
            models.Index(fields=["at"], name="lead_event_at"),
        ]

    def __str__(self):
        return f"{self.lead_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"


class LostReason(models.TextChoices):
    COMPETITOR = "competitor", _("Bought a competitor")
    PRICE = "price", _("Price")
    FINANCING = "financing", _("Financing refused")
    PRODUCT = "product", _("Product did not fit")
    NO_NEED = "no_need", _("Need went away")
    UNREACHABLE = "unreachable", _("Unreachable")
    OTHER = "other", _("Other")


class LostRequest(models.Model):
    """A consultant's request to close a lead as lost (战败); the manager approves it or sends it back."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        RETURNED = "returned", _("Sent back")

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="lost_requests")
    reason = models.CharField(_("reason"), max_length=20, choices=LostReason.choices)
    competitor_brand = models.CharField(_("competitor brand"), max_length=50, blank=True, default="")
    competitor_model = models.CharField(_("competitor model"), max_length=50, blank=True, default="")
    note = models.TextField(_("note"), blank=True, default="")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    comment = models.CharField(_("manager's comment"), max_length=200, blank=True, default="")

    class Meta:
        verbose_name = _("lost-lead request")
        verbose_name_plural = _("lost-lead requests")
        constraints = [
            models.UniqueConstraint(fields=["lead"], condition=Q(state="pending"), name="lost_one_pending_per_lead"),
            models.CheckConstraint(
                condition=~Q(reason="competitor") | ~Q(competitor_brand=""), name="lost_competitor_needs_brand"
            ),
        ]
        indexes = [models.Index(fields=["state", "requested_at"], name="lost_state")]

    def __str__(self):
        return f"{self.lead} {self.get_reason_display()} ({self.state})"


class OwnershipClash(models.Model):
    """Another consultant received a customer whose lead someone already owns; the manager decides who keeps it."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="clashes")
    visit = models.OneToOneField(Visit, on_delete=models.PROTECT, related_name="clash")
    met_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    kept_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["lead"], condition=Q(resolved_at__isnull=True), name="clash_open")]

    def __str__(self):
        return f"{self.lead} / {self.met_by}"


class AppointmentPurpose(models.TextChoices):
    VIEWING = "viewing", _("See the car")  # 看车
    TEST_DRIVE = "test_drive", _("Test drive")  # 试驾
    NEGOTIATION = "negotiation", _("Negotiation")  # 商谈
    DELIVERY = "delivery", _("Delivery")  # 交车


class Appointment(models.Model):
    """An invitation to visit (邀约到店) booked during a contact: the customer is expected in a time slot.

    It lives beside the register because the register settles it: logging the customer's visit marks it
    arrived; a slot that ends (plus the showroom's grace period) with no arrival is a no-show.
    """

    class State(models.TextChoices):
        BOOKED = "booked", _("Booked")
        ARRIVED = "arrived", _("Arrived")
        NO_SHOW = "no_show", _("No-show")
        CANCELLED = "cancelled", _("Cancelled")

    showroom = models.ForeignKey(Showroom, on_delete=models.PROTECT, related_name="+")
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="appointments")
    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, null=True, blank=True, related_name="appointments")
    booked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    booked_at = models.DateTimeField()
    purpose = models.CharField(_("purpose"), max_length=20, choices=AppointmentPurpose.choices)
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    day = models.DateField()  # showroom-local date of starts_at: reception's "today's appointments"
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.BOOKED)
    visit = models.OneToOneField(Visit, on_delete=models.PROTECT, null=True, blank=True, related_name="appointment")
    settled_at = models.DateTimeField(null=True, blank=True)  # when it became arrived, no-show or cancelled

    class Meta:
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="appointment_slot_order"),
            # Arrived exactly when a register entry is linked; settled exactly when no longer booked.
            models.CheckConstraint(
                condition=Q(state="arrived", visit__isnull=False) | (~Q(state="arrived") & Q(visit__isnull=True)),
                name="appointment_arrived_has_visit",
            ),
            models.CheckConstraint(
                condition=Q(state="booked", settled_at__isnull=True)
                | (~Q(state="booked") & Q(settled_at__isnull=False)),
                name="appointment_settled_when_not_booked",
            ),
        ]
        indexes = [
            models.Index(fields=["showroom", "day", "starts_at"], name="appointment_day"),
            # The no-show scan: booked slots by their end.
            models.Index(fields=["ends_at"], condition=Q(state="booked"), name="appointment_booked_end"),
        ]

    def __str__(self):
        return f"{self.lead} {self.starts_at:%Y-%m-%d %H:%M} ({self.state})"


# --- Day rollups: the register's and the contacts' figures per showroom, day and consultant ------------------
# Summary rows the reports read instead of the raw history; leads.rollups keeps them current (recomputed from the
# raw rows in the transaction that wrote those) and rebuilds them for a range (the command, the nightly job).


class VisitDayRollup(models.Model):
    """One consultant's live register entries (not deleted) of one showroom-local day, counted."""

    showroom = models.ForeignKey(Showroom, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    consultant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    walk_ins = models.PositiveIntegerField(default=0)
    calls = models.PositiveIntegerField(default=0)
    no_phone = models.PositiveIntegerField(default=0)  # entries (walk-ins and calls) that left no phone
    # Walk-ins by the slot of their local arrival (reports.analytics.selectors.TIME_SLOTS; slot 6: any other time).
    slot_0 = models.PositiveIntegerField(default=0)
    slot_1 = models.PositiveIntegerField(default=0)
    slot_2 = models.PositiveIntegerField(default=0)
    slot_3 = models.PositiveIntegerField(default=0)
    slot_4 = models.PositiveIntegerField(default=0)
    slot_5 = models.PositiveIntegerField(default=0)
    slot_6 = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["showroom", "day", "consultant"], name="visit_rollup_key"),
        ]

    def __str__(self):
        return f"{self.showroom_id} {self.day} {self.consultant_id}"


class ContactDayRollup(models.Model):
    """One consultant's contacts of one showroom-local day (contact_date), counted as the daily report does."""

    showroom = models.ForeignKey(Showroom, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    consultant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    contacts = models.PositiveIntegerField(default=0)
    opened = models.PositiveIntegerField(default=0)  # contacts with no grade before them: a lead opened
    ordered = models.PositiveIntegerField(default=0)  # contacts that moved a lead to O from another grade
    kind_phone_call = models.PositiveIntegerField(default=0)
    kind_showroom_visit = models.PositiveIntegerField(default=0)
    kind_invitation = models.PositiveIntegerField(default=0)
    kind_test_drive = models.PositiveIntegerField(default=0)
    kind_quotation = models.PositiveIntegerField(default=0)
    kind_order = models.PositiveIntegerField(default=0)
    kind_delivery = models.PositiveIntegerField(default=0)
    kind_callback = models.PositiveIntegerField(default=0)
    kind_message = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["showroom", "day", "consultant"], name="contact_rollup_key"),
        ]

    def __str__(self):
        return f"{self.showroom_id} {self.day} {self.consultant_id}"


class FunnelDayRollup(models.Model):
    """The leads one consultant's register entries of one day opened (an entry whose contact has no grade
    before it: a new lead, or a lost customer's lead reopened), and what became of them by now: came back (two
    or more showroom visits since the opening), test-driven, ordered, delivered. The funnel adds these up
    (reports.analytics.selectors.funnel); the tracker's services refresh a lead's opening days as they write."""

    showroom = models.ForeignKey(Showroom, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    consultant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    opened = models.PositiveIntegerField(default=0)
    came_back = models.PositiveIntegerField(default=0)
    test_driven = models.PositiveIntegerField(default=0)
    ordered = models.PositiveIntegerField(default=0)
    delivered = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["showroom", "day", "consultant"], name="funnel_rollup_key"),
        ]

    def __str__(self):
        return f"{self.showroom_id} {self.day} {self.consultant_id}"


class GradeStatusMonth(models.Model):
    """A closed month of the monthly grade status (月份意向客户级别状况表), computed once from the lead history and
    kept (leads.grade_status): a past month reads one row instead of every lead's history. `rows` maps each
    consultant's id to the month's figures. An event written into a kept month (a contact recorded late) drops
    that month's row and every later one, which are computed again when next read."""

    showroom = models.ForeignKey(Showroom, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()  # the first day of the month
    rows = models.JSONField(default=dict)
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["showroom", "month"], name="grade_status_month_key")]

    def __str__(self):
        return f"{self.showroom_id} {self.month:%Y-%m}"
