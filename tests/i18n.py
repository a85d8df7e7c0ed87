"""Expected UI text in the default language, looked up through the catalogue so tests follow its wording."""

from django.utils import translation


def zh(message, **values) -> str:
    """A message of the app as a zh-CN browser gets it (a msgid, or a lazy label such as a choice's), with its
    %(name)s placeholders filled from `values`."""
    with translation.override("zh-hans"):
        text = translation.gettext(str(message))
        return text % values if values else text


def zh_n(singular: str, plural: str, number: int, **values) -> str:
    with translation.override("zh-hans"):
        return translation.ngettext(singular, plural, number) % values


def shown(message, language: str = "zh-hans") -> str:
    """A lazily translated message of the code (such as the kit's STALE_MESSAGE) as a page in `language` shows it."""
    with translation.override(language):
        return str(message)
