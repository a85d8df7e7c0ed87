"""One sign-off for every record a manager signs: the register's day and the consultant's daily report.

A signed record stays as signed: its figures are stored with the sign-off (`snapshot`), so what the manager
signed is what the month shows, whatever happens to the live data afterwards. The pieces:

- `SignOff`: the abstract model (who signed, when, and what they signed), with the database's both-or-neither
  check on who and when;
- `record_sign_off(...)` and `record_reopen(...)`: the only two ways a service changes it. Both take the version
  the manager's page was opened at (see versioning.py), so nobody signs a state they have not seen; both are
  idempotent, so a double click signs (or reopens) once;
- `SignOffForm`, `ReopenForm`: what the two buttons post (the version; the reason);
- `changes_since_sign_off(...)`: the live figures against the signed ones, in words ("+3 visitors").

The caller keeps who signed, who reopened and why in the record's history (history.py: signed_off, reopened).
"""

from collections.abc import Callable

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import User
from .versioning import STALE_MESSAGE, StaleError, Versioned, VersionedFormMixin, save_with_version


class SignOff(Versioned):
    """A record a manager signs off. `snapshot` holds what they signed (figures, entries): kept after a reopening
    until the next sign-off replaces it, but read only while the record is signed."""

    signed_off_at = models.DateTimeField(gettext_lazy("signed off at"), null=True, blank=True)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("signed off by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    snapshot = models.JSONField(gettext_lazy("as signed"), default=dict, blank=True, editable=False)

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=Q(signed_off_at__isnull=True, signed_off_by__isnull=True)
                | Q(signed_off_at__isnull=False, signed_off_by__isnull=False),
                name="%(app_label)s_%(class)s_sign_off_complete",
            )
        ]

    @property
    def is_signed_off(self) -> bool:
        return self.signed_off_at is not None


class SignOffForm(VersionedFormMixin):
    """The sign-off button's form: only the version of the page the manager signed from."""


class ReopenForm(VersionedFormMixin):
    reason = forms.CharField(label=gettext_lazy("Reason for reopening"), max_length=200)


def reopen_from_request(request, reopen: Callable[..., object], *, no_reason: str, done: str) -> None:
    """A page's reopen button, the same for every signed record: read the ReopenForm, call `reopen(reason=…,
    expected_version=…)` (the record's service), and say what happened (`no_reason`, the conflict, `done`)."""
    form = ReopenForm(request.POST)
    if not form.is_valid():
        messages.error(request, no_reason if "reason" in form.errors else STALE_MESSAGE)
        return
    try:
        reopen(reason=form.cleaned_data["reason"], expected_version=form.cleaned_data["version"])
    except StaleError:
        messages.error(request, STALE_MESSAGE)
    else:
        messages.success(request, done)


SIGN_OFF_FIELDS = ["signed_off_at", "signed_off_by", "snapshot"]


def record_sign_off(
    record: SignOff, *, by: User, expected_version: int | None, snapshot: dict, fields: tuple[str, ...] = ()
) -> bool:
    """Sign `record` off with what was signed (`snapshot`), plus its other changed `fields` in the same write.

    The caller holds the row's lock and checks the rules of its kind of record. False when it was signed off
    already: the second click of a double click changes nothing, whatever version it carries. Otherwise a
    missing or stale version raises StaleError (nothing written).
    """
    if record.is_signed_off:
        return False
    record.signed_off_at, record.signed_off_by, record.snapshot = timezone.now(), by, snapshot
    save_with_version(record, fields=[*SIGN_OFF_FIELDS, *fields], expected_version=expected_version)
    return True


def record_reopen(record: SignOff, *, expected_version: int | None, reason: str) -> bool:
    """Unlock a signed-off `record` for corrections. A reason is required (the caller keeps it in the record's
    history). False when it was open already; a missing or stale version raises StaleError."""
    if not reason.strip():
        raise ValidationError({"reason": [_("Say why it is reopened.")]})
    if not record.is_signed_off:
        return False
    record.signed_off_at, record.signed_off_by = None, None
    save_with_version(record, fields=["signed_off_at", "signed_off_by"], expected_version=expected_version)
    return True


def changes_since_sign_off(signed: dict[str, int], live: dict[str, int], labels: dict[str, str]) -> list[str]:
    """The figures that moved since the sign-off, in `labels`' order: ["+3 visitors", "-1 contacts"]."""
    return [
        _("%(change)s %(figure)s") % {"change": f"{live.get(key, 0) - signed.get(key, 0):+d}", "figure": label}
        for key, label in labels.items()
        if live.get(key, 0) != signed.get(key, 0)
    ]
