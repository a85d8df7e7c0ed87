"""How every form shows what a service refused: each message next to the field the user typed it in, and the
service's rules run together with the form's own, so a form shows every problem in one pass."""

import copy
from collections.abc import Callable, Collection, Iterable

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


def add_service_errors(form: forms.Form, error: ValidationError, field_map: dict[str, str] | None = None) -> None:
    """Put each of the service's errors next to its field; `field_map` names the form field of a service field
    the form asks for differently (a moment asked as a date and a time). Unknown keys go to the top of the form.
    A field already in error keeps its own message and gets the service's beside it."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, messages in error.message_dict.items():
        target = (field_map or {}).get(field, field)
        form.add_error(target if target in form.fields else None, messages)


def add_rule_errors(
    form: forms.Form,
    *,
    instance: models.Model,
    check: Callable[..., dict[str, list[str]]],
    fields: Iterable[str],
    readable: dict,
    field_map: dict[str, str] | None = None,
) -> None:
    """Run a service's rule check (`<entity>_check(record, unknown=...)`) from a form's `clean()` over what the
    form could read, so its errors come with the form's own instead of on the next save.

    `readable`: the service's fields the form could read; the other `fields` are unknown to the check, which
    skips the rules that need them (the form already says what is wrong there). The check runs on a copy of
    `instance`: the record the page shows is not touched.
    """
    candidate = copy.copy(instance)
    for name, value in readable.items():
        setattr(candidate, name, value)
    unknown: Collection[str] = set(fields) - set(readable)
    errors = check(candidate, unknown=unknown)
    if errors:
        add_service_errors(form, ValidationError(errors), field_map)


class ReasonForm(forms.Form):
    """Why a record is deleted or cancelled: asked, and kept in its history."""

    reason = forms.CharField(label=_("Reason"), max_length=200)
