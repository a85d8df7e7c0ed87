"""One optimistic lock for every editable record.

An edit form carries the version it was opened at; the service writes only if the row is still at that
version, so of two people saving the same record the second is told instead of silently overwriting the
first. The pieces, used the same way by every app:

- `Versioned`: the abstract model with the `version` column;
- `save_with_version(...)`: the only way a service writes an edited record (a conditional UPDATE);
- `StaleError`: what it raises when someone saved in between (nothing is written);
- `VersionedFormMixin` and `form_conflict(...)`: the hidden, required `version` field, and the one message
  and one way for a view to keep the user's input when the save was refused.
"""

from collections.abc import Iterable

from django import forms
from django.db import models
from django.db.models import F
from django.utils.translation import gettext_lazy as _

STALE_MESSAGE = _(
    "Someone else saved this while you were editing it. Your input is kept below; open the page in a new tab "
    "to see their version, then save again."
)


class StaleError(Exception):
    """The record is no longer at the version the editor read (or the editor sent none): nothing was written."""


class Versioned(models.Model):
    """A record edited through forms: its version moves on with every saved edit."""

    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        abstract = True


def save_with_version(instance: models.Model, *, fields: Iterable[str], expected_version: int | None, **extra) -> None:
    """Write `fields` of `instance` (plus `extra` column values) only if the row is at `expected_version`.

    One conditional `UPDATE … WHERE pk = … AND version = …`: of two simultaneous saves exactly one changes the
    row, whether or not the caller locked it first. A missing version is refused like a stale one, so a form
    that lost its hidden field can never overwrite blindly. Call it inside the service's transaction, before
    writing history: StaleError then rolls back everything the service did.
    """
    if expected_version is None:
        raise StaleError
    values = {name: getattr(instance, name) for name in fields}
    updated = (
        type(instance)
        ._default_manager.filter(pk=instance.pk, version=expected_version)
        .update(**values, **extra, version=F("version") + 1)
    )
    if updated != 1:
        raise StaleError
    instance.version = expected_version + 1
    for name, value in extra.items():
        setattr(instance, name, value)


class VersionedFormMixin(forms.Form):
    """The hidden `version` an edit form was opened at. Required: a post without it is treated as stale."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def clean(self):
        cleaned = super().clean()
        if "version" in self._errors:
            # A hidden field's own error would show nowhere; say what it means at the top of the form.
            del self._errors["version"]
            self.add_error(None, STALE_MESSAGE)
        return cleaned


def form_conflict(form: forms.Form, *, current_version: int) -> None:
    """Refuse a stale save on `form` and keep everything the user typed.

    The form shows the one conflict message and now carries the version just seen, so saving again after
    checking is a deliberate overwrite, not an accident.
    """
    form.add_error(None, STALE_MESSAGE)
    form.data = form.data.copy()
    form.data[form.add_prefix("version")] = str(current_version)


def record_conflict(form: forms.Form, record: models.Model) -> None:
    """form_conflict with the version `record` has in the database now (someone else's save moved it on)."""
    form_conflict(form, current_version=type(record).objects.values_list("version", flat=True).get(pk=record.pk))
