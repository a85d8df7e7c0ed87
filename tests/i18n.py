"""Expected UI text in the default language, looked up through the catalogue so tests follow its wording."""

from django.utils import translation


def zh(message: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(message)


def shown(message, language: str = "zh-hans") -> str:
    """A lazily translated message of the code (such as the kit's STALE_MESSAGE) as a page in `language` shows it."""
    with translation.override(language):
        return str(message)
