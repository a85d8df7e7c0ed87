"""The showroom's front door for online leads (DCC, Dealer Customer Center).

An inquiry arrives from a lead source (a car portal, the automaker's app, the website, the hotline) through
the API, an ADF/XML post, a portal's batch file or the clerk's form; all four call one intake service, which
keeps an `OnlineLead` (what the platform sent, when) and attaches it to the showroom's open lead for that phone
or opens a new lead with channel "online". The lead then carries its first-response deadline
(`Lead.response_due_at`, counted in the showroom's opening hours, cleared by the first call or message), and
the duty roster decides who gets it (`DutyShift`, `RotationTurn`).
"""

from datetime import time

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from dealer_crm.core.models import CarModel, Showroom
from leads.models import Lead


class DccSettings(models.Model):
    """A showroom's DCC rules: the first-response deadline, its opening hours, what happens when nobody answers."""

    class SecondDeadline(models.TextChoices):
        OFFER = "offer", _("Offer the manager a reassignment")
        REASSIGN = "reassign", _("Reassign to the next consultant on duty")

    showroom = models.OneToOneField(Showroom, on_delete=models.CASCADE, related_name="dcc_settings")
    response_minutes = models.PositiveSmallIntegerField(_("first response within (minutes)"), default=15)
    # Opening hours, showroom-local; a deadline only runs while the showroom is open.
    opens_at = models.TimeField(_("opens at"), default=time(9))
    closes_at = models.TimeField(_("closes at"), default=time(21))
    # ISO weekdays the showroom is open, "1234567" = every day (most showrooms open at weekends).
    open_weekdays = models.CharField(_("open on (ISO weekdays)"), max_length=7, default="1234567")
    second_deadline = models.CharField(
        _("after a second deadline"), max_length=10, choices=SecondDeadline.choices, default=SecondDeadline.OFFER
    )
    # A consultant holding this many unanswered online leads is skipped by the rotation.
    capacity = models.PositiveSmallIntegerField(_("unanswered online leads per consultant"), default=10)
    no_show_grace_minutes = models.PositiveSmallIntegerField(_("no-show after (minutes past the slot)"), default=30)

    class Meta:
        verbose_name = _("DCC settings")
        verbose_name_plural = _("DCC settings")
        constraints = [
            models.CheckConstraint(condition=Q(closes_at__gt=F("opens_at")), name="dcc_open_before_close"),
            models.CheckConstraint(condition=Q(response_minutes__gt=0), name="dcc_response_minutes_positive"),
        ]

    def __str__(self):
        return str(self.showroom)


class Platform(models.TextChoices):
    AUTOHOME = "autohome", _("Autohome")  # 汽车之家
    DONGCHEDI = "dongchedi", _("Dongchedi")  # 懂车帝
    YICHE = "yiche", _("Yiche")  # 易车
    AUTOMAKER = "automaker", _("Automaker app or site")  # 厂家 APP / 官网
    WEBSITE = "website", _("Our website")
    HOTLINE = "hotline", _("Hotline")
    OTHER = "other", _("Other")


class LeadSource(models.Model):
    """Where a showroom's online leads come from: one per platform account, with its own API tokens."""

    showroom = models.ForeignKey(Showroom, on_delete=models.PROTECT, related_name="lead_sources")
    code = models.SlugField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=100)
    platform = models.CharField(_("platform"), max_length=20, choices=Platform.choices)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("lead source")
        verbose_name_plural = _("lead sources")
        ordering = ["showroom", "code"]
        constraints = [models.UniqueConstraint(fields=["showroom", "code"], name="lead_source_code_per_showroom")]

    def __str__(self):
        return f"{self.name} ({self.showroom.code})"


class SourceToken(models.Model):
    """An API token of one lead source (so of one showroom). Shown once when made; only its hash is kept."""

    source = models.ForeignKey(LeadSource, on_delete=models.CASCADE, related_name="tokens")
    # The first characters, kept in clear so that the admin can tell tokens apart and the lookup is indexed.
    prefix = models.CharField(_("prefix"), max_length=12, unique=True)
    key_hash = models.CharField(max_length=64)  # sha256 hex of the whole token
    label = models.CharField(_("label"), max_length=100, blank=True, default="")
    created_at = models.DateTimeField(_("created"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self):
        return f"{self.prefix}… ({self.source})"


class Via(models.TextChoices):
    API = "api", _("API")
    ADF = "adf", _("ADF/XML")
    BATCH = "batch", _("Batch file")
    MANUAL = "manual", _("Entered by hand")


class OnlineLead(models.Model):
    """One inquiry as the platform sent it, attached to the lead it became part of.

    The platform's own id is the idempotency key: a re-delivered inquiry finds this row and changes nothing.
    """

    showroom = models.ForeignKey(Showroom, on_delete=models.PROTECT, related_name="+")
    source = models.ForeignKey(LeadSource, verbose_name=_("source"), on_delete=models.PROTECT, related_name="inquiries")
    platform_lead_id = models.CharField(_("platform's lead id"), max_length=100, blank=True, default="")
    via = models.CharField(_("received via"), max_length=10, choices=Via.choices)
    platform_received_at = models.DateTimeField(_("received by the platform"), null=True, blank=True)
    received_at = models.DateTimeField(_("received by us"))
    customer_name = models.CharField(_("customer name"), max_length=50)
    phone = models.CharField(_("phone"), max_length=20)  # normalised, as on Lead
    city = models.CharField(_("city or district"), max_length=50, blank=True, default="")
    car_model = models.ForeignKey(
        CarModel, verbose_name=_("model of interest"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    car_model_text = models.CharField(_("model as sent"), max_length=100, blank=True, default="")
    message = models.TextField(_("message"), blank=True, default="")
    lead = models.ForeignKey(Lead, on_delete=models.PROTECT, related_name="online_inquiries")
    attached = models.BooleanField(default=False)  # True: matched an open lead; False: opened a new one
    entered_by = models.ForeignKey(  # the clerk, for the manual form and batch files
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    assigned_at = models.DateTimeField(null=True, blank=True)
    # The deadline this inquiry was given; escalation claims it level by level (0 → 1 manager told → 2 second
    # deadline acted on) with a conditional UPDATE, so doubled beats and two workers act once.
    response_due_at = models.DateTimeField(_("first response due"))
    escalation_level = models.PositiveSmallIntegerField(default=0)
    escalated_at = models.DateTimeField(null=True, blank=True)
    second_due_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("online lead")
        verbose_name_plural = _("online leads")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "platform_lead_id"],
                condition=~Q(platform_lead_id=""),
                name="online_lead_idempotency",
            ),
            models.CheckConstraint(condition=Q(escalation_level__lte=2), name="online_lead_escalation_level"),
        ]
        indexes = [
            models.Index(fields=["showroom", "received_at"], name="online_lead_received"),
            models.Index(fields=["response_due_at"], condition=Q(escalation_level__lt=2), name="online_lead_due"),
        ]

    def __str__(self):
        return f"{self.customer_name} ({self.source.code}, {self.received_at:%Y-%m-%d %H:%M})"


class DutyShift(models.Model):
    """Who receives customers when (接待排班): one consultant, one day, one shift, set by the manager weekly."""

    showroom = models.ForeignKey(Showroom, on_delete=models.PROTECT, related_name="+")
    consultant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="duty_shifts")
    day = models.DateField(_("day"))
    starts_at = models.TimeField(_("from"))
    ends_at = models.TimeField(_("until"))
    # The rotation's weight: 2 receives twice as many customers as 1 (a senior consultant, a trainee at 1).
    weight = models.PositiveSmallIntegerField(_("weight"), default=1)

    class Meta:
        verbose_name = _("duty shift")
        verbose_name_plural = _("duty shifts")
        ordering = ["day", "starts_at", "consultant_id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="duty_shift_order"),
            models.CheckConstraint(condition=Q(weight__gte=1), name="duty_shift_weight_positive"),
            models.UniqueConstraint(fields=["consultant", "day", "starts_at"], name="duty_shift_unique_start"),
        ]
        indexes = [models.Index(fields=["showroom", "day"], name="duty_shift_day")]

    def __str__(self):
        return f"{self.day} {self.starts_at:%H:%M}–{self.ends_at:%H:%M} {self.consultant}"


class RotationTurn(models.Model):
    """The rotation's ledger: each customer given to a consultant on duty, and each turn skipped (with why).

    "Next up" is read from it: among those on shift now, the one with the fewest turns today per unit of weight,
    then the one whose last turn is oldest.
    """

    class Kind(models.TextChoices):
        WALK_IN = "walk_in", _("Walk-in")
        ONLINE = "online", _("Online lead")

    showroom = models.ForeignKey(Showroom, on_delete=models.PROTECT, related_name="+")
    consultant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    day = models.DateField()  # showroom-local
    at = models.DateTimeField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    skipped = models.BooleanField(default=False)
    skip_reason = models.CharField(_("why skipped"), max_length=200, blank=True, default="")
    lead = models.ForeignKey(Lead, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(skipped=False) | ~Q(skip_reason=""), name="rotation_skip_has_reason"),
        ]
        indexes = [models.Index(fields=["showroom", "day", "consultant"], name="rotation_turn_day")]

    def __str__(self):
        return f"{self.day} {self.consultant} {'skip' if self.skipped else self.kind}"
