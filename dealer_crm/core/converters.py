from datetime import date

from django.urls import register_converter


class IsoDateConverter:
    """`<isodate:day>` in a URL: 2026-11-22 becomes a date; anything else is a 404, not a 500."""

    regex = r"\d{4}-\d{2}-\d{2}"

    def to_python(self, value: str) -> date:
        return date.fromisoformat(value)

    def to_url(self, value: date) -> str:
        return value.isoformat()


# Registered here, once per process (CoreConfig.ready imports this module), for every app's urls.py.
register_converter(IsoDateConverter, "isodate")
