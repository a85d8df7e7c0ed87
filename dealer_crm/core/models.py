"""What every app stands on: showrooms, the people who work in them, and shared reference data."""

from zoneinfo import ZoneInfo

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class DealerGroup(models.Model):
    """The dealer group (经销商集团) that owns several showrooms; its general management reads them all."""

    code = models.SlugField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("dealer group")
        verbose_name_plural = _("dealer groups")
        ordering = ["code"]

    def __str__(self):
        return self.name


class Showroom(models.Model):
    """One showroom of the dealer group; every business record belongs to exactly one."""

    # Nullable: a showroom that is not part of a group is simply read by no group user.
    dealer_group = models.ForeignKey(
        DealerGroup,
        verbose_name=_("dealer group"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="showrooms",
    )

    code = models.SlugField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    time_zone = models.CharField(_("time zone"), max_length=50, default="Asia/Shanghai")
    # Follow-up interval per intent grade, in days (DOMAIN.md: H daily, A every 3 days, B weekly, C every 15).
    follow_up_days_h = models.PositiveSmallIntegerField(_("follow-up interval H (days)"), default=1)
    follow_up_days_a = models.PositiveSmallIntegerField(_("follow-up interval A (days)"), default=3)
    follow_up_days_b = models.PositiveSmallIntegerField(_("follow-up interval B (days)"), default=7)
    follow_up_days_c = models.PositiveSmallIntegerField(_("follow-up interval C (days)"), default=15)
    # Local hour from which the day's reminders are made and the digests sent (DOMAIN: before the day starts).
    reminder_hour = models.PositiveSmallIntegerField(_("reminder hour"), default=8)

    class Meta:
        verbose_name = _("showroom")
        verbose_name_plural = _("showrooms")
        ordering = ["code"]
        permissions = [("oversee_showroom", _("Can see and act on every record of their showroom"))]

    def __str__(self):
        return self.name

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def follow_up_days(self, grade: str) -> int | None:
        """The showroom's interval for an open grade (H/A/B/C); None for grades that are not followed up."""
        return {
            "H": self.follow_up_days_h,
            "A": self.follow_up_days_a,
            "B": self.follow_up_days_b,
            "C": self.follow_up_days_c,
        }.get(grade)


class Role(models.TextChoices):
    """The staff roles. Each is a Django group of the same name, created by a migration."""

    CONSULTANT = "consultant", _("Sales consultant")
    MANAGER = "manager", _("Showroom manager")
    ADMIN = "admin", _("Administrator")
    # 集团/总经理: reads every showroom of their dealer group, writes nothing.
    GROUP = "group", _("Dealer group (read-only)")


class User(AbstractUser):
    showroom = models.ForeignKey(
        Showroom, verbose_name=_("showroom"), on_delete=models.PROTECT, null=True, blank=True, related_name="staff"
    )
    # Only for the group role: they belong to a dealer group, not to one showroom (see core.selectors).
    dealer_group = models.ForeignKey(
        DealerGroup, verbose_name=_("dealer group"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    language = models.CharField(_("language"), max_length=10, default="zh-hans")

    class Meta(AbstractUser.Meta):
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")

    def __str__(self):
        return self.get_full_name() or self.username

    def get_full_name(self):
        # Chinese names read family name first, without a space: 王 + 伟 = 王伟.
        return f"{self.last_name}{self.first_name}".strip()

    @cached_property
    def role(self) -> str | None:
        """The strongest role among the user's groups (admin > manager > consultant > group)."""
        names = {group.name for group in self.groups.all()}
        for role in (Role.ADMIN, Role.MANAGER, Role.CONSULTANT, Role.GROUP):
            if role.value in names:
                return role.value
        return None

    @property
    def manages_showroom(self) -> bool:
        """Managers and admins see and act on the whole showroom; consultants only on their own records."""
        return self.has_perm("core.oversee_showroom")

    @property
    def is_group_viewer(self) -> bool:
        """The dealer group's read-only role: the showroom they look at is chosen per session
        (core.middleware.ViewedShowroomMiddleware); they never write."""
        # dealer_group first: staff of one showroom have none, so their requests cost no query for the role.
        return self.dealer_group_id is not None and self.role == Role.GROUP and not self.is_superuser

    @property
    def sees_whole_showroom(self) -> bool:
        """Reads: managers, admins and the group role see every record of the showroom; acting on them
        is `manages_showroom`, which the group role does not have."""
        return self.manages_showroom or self.is_group_viewer


class ReferenceQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class CarModel(models.Model):
    """The catalogue of models a customer can be interested in."""

    brand = models.CharField(_("brand"), max_length=50)
    name = models.CharField(_("model"), max_length=80)
    is_active = models.BooleanField(_("active"), default=True)

    objects = ReferenceQuerySet.as_manager()

    class Meta:
        verbose_name = _("car model")
        verbose_name_plural = _("car models")
        ordering = ["brand", "name"]
        constraints = [models.UniqueConstraint(fields=["brand", "name"], name="car_model_unique_brand_name")]

    def __str__(self):
        return f"{self.brand} {self.name}"


class InformationSource(models.Model):
    """How the visitor heard of us (信息来源). The template's eight are seeded by a migration; editable."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    # Editable data in both UI languages (a translated string is never stored in one column).
    name_zh = models.CharField(_("name (Chinese)"), max_length=50)
    name_en = models.CharField(_("name (English)"), max_length=50)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    objects = ReferenceQuerySet.as_manager()

    class Meta:
        verbose_name = _("information source")
        verbose_name_plural = _("information sources")
        ordering = ["position", "code"]

    def __str__(self):
        return self.name_en if get_language() == "en" else self.name_zh


class District(models.Model):
    """Where visitors come from, per showroom: the districts around it are different for every showroom."""

    showroom = models.ForeignKey(
        Showroom, verbose_name=_("showroom"), on_delete=models.CASCADE, related_name="districts"
    )
    name = models.CharField(_("name"), max_length=50)
    is_active = models.BooleanField(_("active"), default=True)

    objects = ReferenceQuerySet.as_manager()

    class Meta:
        verbose_name = _("district")
        verbose_name_plural = _("districts")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["showroom", "name"], name="district_unique_per_showroom")]

    def __str__(self):
        return self.name


# The history's one table lives with its mechanism (history.py); imported here so Django registers it.
from .history import Revision  # noqa: E402, F401
