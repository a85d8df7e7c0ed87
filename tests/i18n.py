"""Expected UI text in the default language, looked up through the catalogue so tests follow its wording."""

from django.utils import translation


def zh(message: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(message)
