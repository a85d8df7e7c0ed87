"""Making reminders and sending digests. Both work from the database state, never from beat timing, so a
missed, late, doubled or retried run changes nothing: what is due and not yet reminded is reminded once."""

import logging
from datetime import date, datetime, timedelta

from django.core.mail import send_mail
from django.db import IntegrityError, connection, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from dealer_crm.core.models import Showroom, User

from .models import DigestDelivery, ReminderRun
from .selectors import due_leads_for, overdue_by_consultant
from .today import due_counts, due_sections

logger = logging.getLogger(__name__)


def _insert_due_reminders_sql() -> str:
    """One set-based statement per showroom: every open lead due by the showroom's today that has no reminder
    for its due date yet. The unique (lead, due_date) constraint turns a concurrent run's duplicate into a no-op.
    Parameters: today, now, showroom id, today."""
    if connection.vendor == "postgresql":
        days_overdue = "(%s::date - lead.next_follow_up)"
    else:  # SQLite, the embedded default
        days_overdue = "CAST(julianday(%s) - julianday(lead.next_follow_up) AS INTEGER)"
    return f"""
        INSERT INTO followups_reminder (lead_id, showroom_id, consultant_id, due_date, overdue_days, created_at)
        SELECT lead.id, lead.showroom_id, lead.owner_id, lead.next_follow_up, {days_overdue}, %s
        FROM leads_lead AS lead
        WHERE lead.showroom_id = %s AND lead.status = 'open' AND lead.next_follow_up <= %s
        ON CONFLICT (lead_id, due_date) DO NOTHING
    """


def reminders_generate(*, now: datetime | None = None) -> ReminderRun:
    """Make today's reminders for every showroom whose local reminder hour has come.

    1. Record the run's start.
    2. For each such showroom, insert one reminder per open lead due by its local today and not yet reminded
       (one statement each: the cost does not grow in queries with the number of leads).
    3. Record the run's end and counts: /healthz and the admin read them.
    """
    now = now or timezone.now()
    run = ReminderRun.objects.create(started_at=now)
    created = showrooms = 0
    sql = _insert_due_reminders_sql()
    for showroom in Showroom.objects.all():
        local_now = now.astimezone(showroom.zone)
        if local_now.hour < showroom.reminder_hour:
            continue
        # Adapted like the ORM adapts them: SQLite keeps datetimes as naive UTC text, and a raw aware value
        # would be stored with its offset, which the ORM's text comparisons then get wrong.
        today = connection.ops.adapt_datefield_value(local_now.date())
        created_at = connection.ops.adapt_datetimefield_value(now)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [today, created_at, showroom.pk, today])
            created += max(cursor.rowcount, 0)
        showrooms += 1
    run.finished_at = timezone.now()
    run.reminders_created, run.showrooms = created, showrooms
    run.save(update_fields=["finished_at", "reminders_created", "showrooms"])
    logger.info("reminder run %s: %s reminders in %s showrooms", run.pk, created, showrooms)
    return run


# A digest claimed and not sent after this long belongs to a worker that died between the claim and the send:
# the next run claims it again. Sending takes seconds; the runs are half an hour apart.
DIGEST_CLAIM_TTL = timedelta(minutes=10)


def _claim_digest(user: User, day: date, kind: str) -> DigestDelivery | None:
    """Insert the claim row, or take over an unsent claim older than DIGEST_CLAIM_TTL (a conditional UPDATE);
    None when this digest was sent or someone holds a live claim on it (it is theirs to send).

    At least once, by choice: a worker killed after the mail server accepted the digest and before sent_at
    was written (milliseconds) makes it go twice, where giving no second chance would lose the day's list
    of follow-ups whenever a worker dies while rendering or talking to the mail server (seconds). A repeated
    reminder is a nuisance; a missed one is a customer not called back."""
    now = timezone.now()
    try:
        with transaction.atomic():
            return DigestDelivery.objects.create(user=user, day=day, kind=kind, claimed_at=now)
    except IntegrityError:
        pass
    abandoned = DigestDelivery.objects.filter(
        user=user, day=day, kind=kind, sent_at__isnull=True, claimed_at__lt=now - DIGEST_CLAIM_TTL
    )
    if not abandoned.update(claimed_at=now):
        return None
    return DigestDelivery.objects.get(user=user, day=day, kind=kind)


def digests_send(*, now: datetime | None = None) -> int:
    """E-mail each consultant their due follow-ups, and each manager the overdue summary, once a day each,
    in the recipient's language. Claim first, then send: a second worker finds the claim and skips.
    A failed send gives its claim back and does not hold back the other recipients; the first failure is
    raised at the end, so the task shows it failed and the next run sends what is still unsent."""
    now = now or timezone.now()
    sent = 0
    failures: list[Exception] = []
    for showroom in Showroom.objects.all():
        local_now = now.astimezone(showroom.zone)
        if local_now.hour < showroom.reminder_hour:
            continue
        today = local_now.date()
        staff = User.objects.filter(showroom=showroom, is_active=True).exclude(email="").prefetch_related("groups")
        for user in staff:
            # Everyone hears of their own due leads and the other due work on their Today list (followups.today);
            # managers also get the showroom's overdue summary.
            leads = list(due_leads_for(user, today=today))
            sections = due_sections(user, today=today, counts=due_counts(user, today=today))
            consultant = {"leads": leads, "sections": sections}
            digests = [(DigestDelivery.Kind.CONSULTANT, consultant)]
            if user.manages_showroom:
                summary = overdue_by_consultant(showroom=showroom, today=today)
                digests.append((DigestDelivery.Kind.MANAGER, {"summary": summary}))
            for kind, context in digests:
                if not any(context.values()):
                    continue  # nothing to tell them today
                if kind == DigestDelivery.Kind.CONSULTANT:
                    context["total"] = len(leads) + sum(len(items) for _section, items in sections)
                try:
                    if _send_digest(user, today, kind, context):
                        sent += 1
                except Exception as exc:  # one refused address must not stop everyone else's digest
                    logger.exception("digest %s for user %s not sent", kind, user.pk)
                    failures.append(exc)
    if failures:
        raise failures[0]
    return sent


def _send_digest(user: User, day: date, kind: str, context: dict) -> bool:
    claim = _claim_digest(user, day, kind)
    if claim is None:
        return False
    try:
        with translation.override(user.language):
            subject = render_to_string(f"followups/email/{kind}_subject.txt", {"day": day, **context}).strip()
            body = render_to_string(f"followups/email/{kind}_body.txt", {"user": user, "day": day, **context})
        send_mail(subject, body, None, [user.email])
    except Exception:
        # Give the claim back so the next run can send it; nobody else sent it meanwhile (we held it).
        claim.delete()
        raise
    DigestDelivery.objects.filter(pk=claim.pk).update(sent_at=timezone.now())
    return True
