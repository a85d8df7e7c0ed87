"""One field-level history for every editable record: who changed what (old → new), when, and why.

A register entry, a lead's details, a contract, a customer card, a delivery, a callback, a complaint, and the
sign-offs of a register day and a daily report all keep their history the same way. The pieces:

- `Revision`: the one table, pointing at its record by content type and primary key, so no app needs a history
  model of its own. A model lists it as `revisions = GenericRelation(Revision, object_id_field="object_pk")`:
  that gives `record.revisions` and deletes the rows with the record;
- `history_value(...)`: the one serialiser, so the same value is stored the same way whatever the model;
- `changes_between(...)`: the one diff, {field: [old, new]} of the fields that differ;
- `history_record(...)`: the one call a service makes, inside its transaction, after its write (and
  `history_revision(...)`, the same line unsaved, for a bulk loader);
- `history_entries(...)` / `history_of(...)`: the one reader, readable lines for a page, phones masked when the
  viewer may not see them (the caller decides that by its app's rule), shown by templates/includes/history.html.

Why not django-simple-history: it captures on `post_save`, and our edits are written by
`versioning.save_with_version`, a conditional queryset UPDATE that sends no signal; every service would call it
by hand anyway, and it keeps one shadow table per model where one generic table serves every page.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .phones import mask_phone


class Revision(models.Model):
    """One change of one record. `changes` holds {field name: [old, new]}, values as `history_value` writes them
    (codes and plain text, never translated); `reason` is why (a deletion, a reopening, a comment's text)."""

    class Action(models.TextChoices):
        CREATED = "created", _("created")
        OPENED = "opened", _("opened")
        UPDATED = "updated", _("changed")
        DELETED = "deleted", _("deleted")
        CANCELLED = "cancelled", _("cancelled")
        COMPLETED = "completed", _("completed")
        CLOSED = "closed", _("closed")
        SUBMITTED = "submitted", _("submitted")
        CORRECTED = "corrected", _("corrected the remarks")
        COMMENTED = "commented", _("commented")
        SIGNED_OFF = "signed_off", _("signed off")
        REOPENED = "reopened", _("reopened")
        # A late entry (补登) the manager approved after the sign-off joined the signed day.
        AMENDED = "amended", _("late entry approved")

    # The record's showroom, so the history is scoped like the records (the admin, a showroom's clean-up).
    showroom = models.ForeignKey("core.Showroom", on_delete=models.PROTECT, related_name="+")
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_pk = models.PositiveBigIntegerField()
    record = GenericForeignKey("content_type", "object_pk")
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("at"))
    changes = models.JSONField(default=dict, blank=True)
    reason = models.TextField(_("reason"), blank=True, default="")

    class Meta:
        app_label = "core"
        verbose_name = _("revision")
        verbose_name_plural = _("revisions")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["content_type", "object_pk", "at"], name="revision_of_record")]

    def __str__(self):
        return f"{self.content_type_id}:{self.object_pk} {self.action} {self.at:%Y-%m-%d %H:%M}"


def history_value(instance: models.Model, name: str):
    """A field's value as the history stores it, the same for every model: None stays None, booleans and whole
    numbers stay JSON numbers, a related row is {"pk": …, "label": …} (the label as it read then), a list stays
    a list of codes, and everything else is text: choices as their codes, decimals as written, dates as ISO, and
    moments as ISO in the showroom's time (a value read back from the database is in UTC, one from a form in
    local time: the same moment must compare equal, and the page shows the hour the showroom saw)."""
    field = instance._meta.get_field(name)
    if field.is_relation:
        related = getattr(instance, name)
        return None if related is None else {"pk": related.pk, "label": str(related)}
    value = getattr(instance, name)
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, datetime):
        return value.astimezone(instance.showroom.zone).isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return list(value)
    return str(value)


def changes_between(before: models.Model | None, after: models.Model, fields: Iterable[str]) -> dict[str, list]:
    """{field: [old, new]} for each of `fields` whose stored value differs; `before` None: a new record, every
    field from None. `before` is the record as it was read (a copy.copy taken before the edit)."""
    changes = {}
    for name in fields:
        old = None if before is None else history_value(before, name)
        new = history_value(after, name)
        if old != new:
            changes[name] = [old, new]
    return changes


def history_record(instance: models.Model, **line) -> Revision:
    """Keep one line of `instance`'s history (history_revision's arguments). Called by the service, in its
    transaction, after its write (so a refused write leaves no line)."""
    revision = history_revision(instance, **line)
    revision.save()
    return revision


def history_revision(
    instance: models.Model,
    *,
    action: str,
    by,
    changes: dict | None = None,
    reason: str = "",
    at: datetime | None = None,
) -> Revision:
    """The unsaved line history_record keeps, for a loader that writes many at once (bulk_create)."""
    return Revision(
        showroom_id=instance.showroom_id,
        content_type=ContentType.objects.get_for_model(instance),
        object_pk=instance.pk,
        action=action,
        by=by,
        at=at or timezone.now(),
        changes=changes or {},
        reason=reason,
    )


# --- Reading it --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryLine:
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class HistoryEntry:
    revision: Revision
    lines: list[HistoryLine]


def history_entries(
    model: type[models.Model], revisions: Iterable[Revision], *, phone_visible: bool
) -> list[HistoryEntry]:
    """Revisions of records of `model` with readable lines: field labels, choice labels, Yes/No, related rows'
    labels, and the model's `history_phone_fields` masked unless `phone_visible`. Decided by the viewer's right,
    not by comparing with the current number: an old number must stay masked after it was changed."""
    phone_fields = set(getattr(model, "history_phone_fields", ()))
    list_choices = getattr(model, "history_list_choices", {})
    entries = []
    for revision in revisions:
        lines = []
        # A new record's line lists every field from nothing: its page shows the record itself instead.
        if revision.action not in (Revision.Action.CREATED, Revision.Action.OPENED):
            for name, (old, new) in revision.changes.items():
                try:
                    field = model._meta.get_field(name)
                except FieldDoesNotExist:  # a field removed since: show its stored name
                    lines.append(HistoryLine(name, _shown(old, {}), _shown(new, {})))
                    continue
                choices = dict(field.flatchoices) if field.choices else dict(list_choices.get(name, ()))
                masked = name in phone_fields and not phone_visible
                old_text, new_text = _shown(old, choices, masked), _shown(new, choices, masked)
                if isinstance(field, models.DateTimeField):
                    old_text, new_text = _moments(old_text, new_text)
                lines.append(HistoryLine(str(field.verbose_name), old_text, new_text))
        entries.append(HistoryEntry(revision, lines))
    return entries


def history_of(instance: models.Model, *, phone_visible: bool) -> list[HistoryEntry]:
    """The record's whole history, oldest first (1 query)."""
    revisions = Revision.objects.filter(
        content_type=ContentType.objects.get_for_model(instance), object_pk=instance.pk
    ).select_related("by")
    return history_entries(type(instance), revisions, phone_visible=phone_visible)


def _shown(value, choices: dict, masked: bool = False) -> str:
    if value in (None, "", []):
        return "–"
    if masked:
        return mask_phone(str(value))
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, dict):
        return str(value.get("label", value))
    if isinstance(value, list):
        return ", ".join(str(choices.get(code, code)) for code in value)
    return str(choices.get(value, value))


def _moments(old: str, new: str) -> tuple[str, str]:
    """Two ISO moments (in the showroom's time) as "HH:MM", with their dates only when the day changed."""
    if len(old) < 16 or len(new) < 16 or old[:10] != new[:10]:
        return tuple(text[:16].replace("T", " ") for text in (old, new))
    return old[11:16], new[11:16]
