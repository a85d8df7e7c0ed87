"""How every form shows what a service refused: each message next to the field the user typed it in."""

from django import forms
from django.core.exceptions import ValidationError


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
