"""The visitor register (来店(电)顾客登记表) and its daily sign-off."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dealer_crm.core.models import CarModel, District, InformationSource, Showroom


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


class VisitQuerySet(models.QuerySet):
    def live(self):
        """Entries not soft-deleted: what every list and figure counts."""
        return self.filter(deleted_at__isnull=True)


class Visit(models.Model):
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
    grade = models.CharField(_("intent grade"), max_length=1, choices=Grade.choices, blank=True, default="")
    summary = models.TextField(_("talk summary"), blank=True, default="")
    remarks = models.TextField(_("remarks"), blank=True, default="")
    consultant = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("consultant"), on_delete=models.PROTECT, related_name="visits"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Optimistic lock: every save must name the version it started from (see services.visit_update).
    version = models.PositiveIntegerField(default=1)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    delete_reason = models.CharField(_("reason for deletion"), max_length=200, blank=True, default="")

    objects = VisitQuerySet.as_manager()

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
            models.CheckConstraint(condition=Q(left_at__gt=models.F("arrived_at")), name="visit_left_after_arrival"),
            # Either a phone number or the explicit "left no phone" tick, never both, never neither.
            models.CheckConstraint(
                condition=(Q(no_phone=False) & ~Q(phone="")) | (Q(no_phone=True) & Q(phone="")),
                name="visit_phone_or_no_phone_tick",
            ),
            models.CheckConstraint(condition=Q(grade="") | ~Q(phone=""), name="visit_grade_needs_phone"),
            models.CheckConstraint(condition=Q(grade__in=["", *Grade.values]), name="visit_grade_valid"),
            models.CheckConstraint(condition=Q(kind__in=VisitKind.values), name="visit_kind_valid"),
            models.CheckConstraint(condition=Q(party_size__gte=1), name="visit_party_size_positive"),
        ]
        indexes = [
            # The register list: one showroom, a date range, newest first; and each filter within it.
            models.Index(fields=["showroom", "-visit_date", "-number"], name="visit_showroom_date"),
            models.Index(fields=["showroom", "consultant", "-visit_date"], name="visit_consultant_date"),
            models.Index(fields=["showroom", "phone"], name="visit_showroom_phone"),
            models.Index(fields=["showroom", "kind", "-visit_date"], name="visit_kind_date"),
            models.Index(fields=["showroom", "grade", "-visit_date"], name="visit_grade_date"),
            models.Index(fields=["showroom", "source", "-visit_date"], name="visit_source_date"),
            models.Index(fields=["showroom", "car_model", "-visit_date"], name="visit_model_date"),
            models.Index(fields=["showroom", "no_phone", "-visit_date"], name="visit_no_phone_date"),
        ]

    def __str__(self):
        return f"{self.visit_date:%Y-%m-%d} #{self.number} {self.customer_name}"

    @property
    def duration_minutes(self) -> int:
        return int((self.left_at - self.arrived_at).total_seconds() // 60)

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class VisitRevision(models.Model):
    """Who changed what on a register entry, and when. Values are stored raw (codes, ids' labels), never translated."""

    class Action(models.TextChoices):
        CREATED = "created", _("created")
        UPDATED = "updated", _("changed")
        DELETED = "deleted", _("deleted")

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="revisions")
    action = models.CharField(max_length=10, choices=Action.choices)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField()
    changes = models.JSONField(default=dict)  # {field name: [old, new]}
    reason = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        ordering = ["changed_at", "id"]


class RegisterDay(models.Model):
    """A showroom's register for one day: holds the running-number lock and the manager's sign-off."""

    showroom = models.ForeignKey(Showroom, on_delete=models.PROTECT, related_name="register_days")
    date = models.DateField(_("date"))
    signed_off_at = models.DateTimeField(_("signed off at"), null=True, blank=True)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signed off by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("register day")
        verbose_name_plural = _("register days")
        constraints = [models.UniqueConstraint(fields=["showroom", "date"], name="register_day_unique")]

    def __str__(self):
        return f"{self.showroom} {self.date:%Y-%m-%d}"

    @property
    def is_signed_off(self) -> bool:
        return self.signed_off_at is not None


class RegisterDayEvent(models.Model):
    """The sign-off history of a day: every sign-off and every reopening with its reason."""

    class Action(models.TextChoices):
        SIGNED_OFF = "signed_off", _("signed off")
        REOPENED = "reopened", _("reopened")

    day = models.ForeignKey(RegisterDay, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=20, choices=Action.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    reason = models.CharField(_("reason"), max_length=200, blank=True, default="")

    class Meta:
        ordering = ["at", "id"]
