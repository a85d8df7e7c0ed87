"""Follow-up reminders. A lead's due date lives on the lead (Lead.next_follow_up); a reminder records that
the consultant was reminded of one due date, created at most once per lead and due date."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dealer_crm.core.models import Showroom
from leads.models import Lead


class Reminder(models.Model):
    lead = models.ForeignKey(Lead, verbose_name=_("lead"), on_delete=models.CASCADE, related_name="reminders")
    showroom = models.ForeignKey(Showroom, on_delete=models.CASCADE, related_name="+")
    consultant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminders")
    due_date = models.DateField(_("due"))
    # How late the follow-up already was when the reminder was made (0 = due today): after a beat outage the
    # catch-up run makes one reminder per due lead, saying how overdue it is, not one per missed day.
    overdue_days = models.PositiveIntegerField(_("days overdue"), default=0)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [models.UniqueConstraint(fields=["lead", "due_date"], name="reminder_once_per_lead_and_due_date")]
        indexes = [models.Index(fields=["consultant", "due_date"], name="reminder_consultant_due")]

    def __str__(self):
        return f"{self.lead} {self.due_date}"


class ReminderRun(models.Model):
    """One execution of the reminder task: when, how many reminders it made. /healthz reads the last one."""

    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    reminders_created = models.PositiveIntegerField(_("reminders created"), default=0)
    showrooms = models.PositiveIntegerField(_("showrooms processed"), default=0)

    class Meta:
        verbose_name = _("reminder run")
        verbose_name_plural = _("reminder runs")
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["-finished_at"], name="reminder_run_finished")]

    def __str__(self):
        return f"{self.started_at:%Y-%m-%d %H:%M} ({self.reminders_created})"


class DigestDelivery(models.Model):
    """Claim for one e-mail digest (a user, a day, a kind): inserted before sending, so an overlapping run,
    a retry or a second worker cannot send the same digest twice."""

    class Kind(models.TextChoices):
        CONSULTANT = "consultant", _("Consultant's follow-ups")
        MANAGER = "manager", _("Manager's overdue summary")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    kind = models.CharField(max_length=20, choices=Kind.choices)
    claimed_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "day", "kind"], name="digest_once_per_user_day_kind")]
        indexes = [models.Index(fields=["day"], condition=Q(sent_at__isnull=True), name="digest_unsent")]

    def __str__(self):
        return f"{self.user} {self.day} {self.kind}"
