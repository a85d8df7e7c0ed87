"""The zh-hans catalogue: complete, compiled, in step with the source, and actually shown.

The compiled .mo is committed so the app runs on a machine without GNU gettext; these tests make sure it is the
compilation of the committed .po, and that the .po holds every string the source marks for translation.
Regenerate both with `make messages` (needs GNU gettext)."""

import ast
import gettext
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

ROOT = Path(settings.BASE_DIR)
CATALOGUE = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES"
PO_FILE = CATALOGUE / "django.po"
MO_FILE = CATALOGUE / "django.mo"
NPLURALS = 1  # Chinese has one plural form
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


# --- A small .po reader (polib is not a dependency) ---------------------------------------------------------------


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int | None, str] = field(default_factory=dict)  # None: singular; 0, 1…: plural forms
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False

    @property
    def key(self) -> tuple[str | None, str, str | None]:
        return (self.msgctxt, self.msgid, self.msgid_plural)


def read_po(path: Path) -> tuple[dict[str, str], list[Entry]]:
    """(header fields, entries) of a gettext .po file, the header entry left out of the entries."""
    entries: list[Entry] = []
    current, target = Entry(), None
    started = False

    def flush():
        nonlocal current, started, target
        if started:
            entries.append(current)
        current, started, target = Entry(), False, None

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            flush()
            continue
        if line.startswith("#~|"):  # an obsolete entry's previous msgid
            continue
        if line.startswith("#~"):  # an obsolete entry: read it, marked as such
            line = line[2:].strip()
            if current.msgstr:
                flush()
            current.obsolete = True
        if line.startswith("#"):
            if current.msgstr:
                flush()  # the comments of the next entry, not separated by a blank line
            if line.startswith("#,"):
                current.flags.update(flag.strip() for flag in line[2:].split(","))
            continue
        match = re.fullmatch(r'(msgctxt|msgid_plural|msgid|msgstr)(?:\[(\d+)\])?\s+(".*")', line)
        if match:
            keyword, index = match.group(1), match.group(2)
            if keyword in ("msgctxt", "msgid") and current.msgstr:
                flush()  # the next entry, not separated by a blank line
            started = True
            target = (keyword, int(index) if index is not None else None)
            text = ast.literal_eval(match.group(3))
            if keyword == "msgstr":
                current.msgstr[target[1]] = text
            else:
                setattr(current, keyword, text)
        elif line.startswith('"') and target:
            text = ast.literal_eval(line)  # a continuation line of the string above
            keyword, index = target
            if keyword == "msgstr":
                current.msgstr[index] += text
            else:
                setattr(current, keyword, getattr(current, keyword) + text)
        else:
            raise AssertionError(f"{path}: cannot read line {raw!r}")
    flush()

    headers = [entry for entry in entries if entry.msgid == "" and entry.msgctxt is None]
    assert len(headers) == 1, f"{path}: expected one header entry"
    header = headers[0]
    fields = dict(line.split(": ", 1) for line in header.msgstr.get(None, "").splitlines() if ": " in line)
    fields["#flags"] = ",".join(sorted(header.flags))
    return fields, [entry for entry in entries if entry is not header]


@pytest.fixture(scope="module")
def po():
    return read_po(PO_FILE)


def test_the_po_reader_reads_wrapped_and_plural_entries(tmp_path):
    sample = tmp_path / "sample.po"
    sample.write_text(
        'msgid ""\nmsgstr ""\n"Language: zh_Hans\\n"\n"Plural-Forms: nplurals=1; plural=0;\\n"\n\n'
        '#, python-format\nmsgid ""\n"Long %(a)s "\n"text"\nmsgstr ""\n"长%(a)s"\n"文本"\n\n'
        'msgid "%(n)s day"\nmsgid_plural "%(n)s days"\nmsgstr[0] "%(n)s天"\n\n'
        '#, fuzzy\nmsgctxt "nav"\nmsgid "Today"\nmsgstr ""\n',
        encoding="utf-8",
    )
    header, entries = read_po(sample)

    assert header["Language"] == "zh_Hans"
    assert [(e.key, e.msgstr, e.flags) for e in entries] == [
        ((None, "Long %(a)s text", None), {None: "长%(a)s文本"}, {"python-format"}),
        ((None, "%(n)s day", "%(n)s days"), {0: "%(n)s天"}, set()),
        (("nav", "Today", None), {None: ""}, {"fuzzy"}),
    ]


# --- The catalogue is complete ------------------------------------------------------------------------------------


def test_the_header_declares_simplified_chinese_in_utf8_with_one_plural_form(po):
    header, _entries = po
    assert header["Language"] == "zh_Hans"
    assert header["Plural-Forms"].replace(" ", "") == "nplurals=1;plural=0;"
    assert header["Content-Type"] == "text/plain; charset=UTF-8"
    assert "fuzzy" not in header["#flags"], "a fuzzy header is skipped by msgfmt: the .mo loses its charset"


def test_every_entry_is_translated_and_none_is_fuzzy(po):
    _header, entries = po
    assert len(entries) > 300, "the catalogue looks truncated"
    assert not [e.msgid for e in entries if e.obsolete], "obsolete (#~) entries: run `make messages`"
    assert not [e.msgid for e in entries if "fuzzy" in e.flags], "fuzzy entries are not used by gettext"

    untranslated = []
    for entry in entries:
        if entry.msgid_plural is None:
            forms = [entry.msgstr.get(None, "")]
        else:
            assert sorted(entry.msgstr) == list(range(NPLURALS)), f"{entry.msgid!r}: Chinese has one plural form"
            forms = list(entry.msgstr.values())
        if not all(form.strip() for form in forms):
            untranslated.append(entry.msgid)
    assert untranslated == []


def test_every_translation_keeps_the_placeholders_of_its_msgid(po):
    _header, entries = po
    wrong = []
    for entry in entries:
        expected = set(PLACEHOLDER.findall(entry.msgid)) | set(PLACEHOLDER.findall(entry.msgid_plural or ""))
        for form in entry.msgstr.values():
            if set(PLACEHOLDER.findall(form)) != expected:
                wrong.append((entry.msgid, form))
    assert wrong == []


def test_no_translation_is_left_in_english(po):
    """A msgstr that copies its msgid, or keeps English words, is untranslated in all but name."""
    _header, entries = po
    # The product's name, the month format the input expects, and the names of a program, its file formats and a
    # unit, and lead-exchange and web acronyms: Chinese writes them as they are (Excel, .xlsx, MB, DCC, API, HTTP…).
    allowed = {
        "CRM",
        "YYYY",
        "MM",
        "Excel",
        "xlsx",
        "xls",
        "MB",
        "KB",
        "DCC",
        "API",
        "ADF",
        "XML",
        "ISO",
        "HTTP",
        "csv",
        "CSV",
        "UTF",
        "GB",
    }
    english = []
    for entry in entries:
        for form in entry.msgstr.values():
            words = set(re.findall(r"[A-Za-z]{2,}", PLACEHOLDER.sub("", form))) - allowed
            if form in (entry.msgid, entry.msgid_plural) or words:
                english.append((entry.msgid, form))
    assert english == []


# --- The committed .mo is the compilation of the committed .po ----------------------------------------------------


def test_the_committed_mo_matches_the_po(po):
    _header, entries = po
    entries = [entry for entry in entries if not entry.obsolete]  # msgfmt leaves obsolete entries out
    with MO_FILE.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)

    assert compiled.info().get("plural-forms", "").replace(" ", "") == "nplurals=1;plural=0;"
    stale = []
    for entry in entries:
        if entry.msgid_plural is None:
            got = (
                compiled.pgettext(entry.msgctxt, entry.msgid)
                if entry.msgctxt is not None
                else compiled.gettext(entry.msgid)
            )
            if got != entry.msgstr[None]:
                stale.append((entry.msgid, got, entry.msgstr[None]))
        else:
            for n in (1, 2, 5):
                got = (
                    compiled.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, n)
                    if entry.msgctxt is not None
                    else compiled.ngettext(entry.msgid, entry.msgid_plural, n)
                )
                if got != entry.msgstr[0]:
                    stale.append((entry.msgid, got, entry.msgstr[0]))
    assert stale == [], "django.mo is not compiled from django.po: run `make messages`"

    # Nor does the .mo hold messages the .po no longer has (GNUTranslations keeps them in _catalog).
    compiled_ids = {
        (key[0] if isinstance(key, tuple) else key) for key in compiled._catalog if key not in ("", ("", 0))
    }
    po_ids = {(f"{e.msgctxt}\x04{e.msgid}" if e.msgctxt is not None else e.msgid) for e in entries}
    assert compiled_ids == po_ids


# --- The .po holds every string the source marks ------------------------------------------------------------------


def makemessages_arguments() -> list[str]:
    """The arguments of the `messages` target's makemessages command in the Makefile: the test extracts exactly
    as a developer regenerating the catalogue does."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8").replace("\\\n", " ")
    commands = [line for line in makefile.splitlines() if "manage.py makemessages" in line]
    assert len(commands) == 1, "expected one makemessages command in the Makefile"
    words = shlex.split(commands[0])
    return words[words.index("manage.py") + 1 :]


def ignored_at_top(name: str, patterns: list[str]) -> bool:
    """Whether makemessages would skip this top-level entry of the project anyway (its default `.*` included)."""
    return name.startswith(".") or any(fnmatch(name, p[:-2] if p.endswith("/*") else p) for p in patterns)


def test_the_makefile_extracts_only_the_apps_own_strings():
    arguments = makemessages_arguments()
    patterns = [arguments[i + 1] for i, word in enumerate(arguments) if word in ("-i", "--ignore")]
    assert arguments[:3] == ["makemessages", "-l", "zh_Hans"]
    assert {"--no-obsolete", "--no-location"} <= set(arguments)
    assert {".venv/*", "var/*", "test-artifacts/*", "tests/*", "benchmarks/*"} <= set(patterns)


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs GNU gettext (xgettext) to extract messages")
def test_the_po_holds_every_msgid_of_the_source_and_no_other(po, tmp_path):
    """Extract into a copy of the project, never in place: makemessages writes the catalogue to LOCALE_PATHS and
    temporary `*.html.py` files next to each template, which parallel test runs (or a developer's own run) must
    not see. The copy gets its own LOCALE_PATHS through a two-line settings module."""
    arguments = makemessages_arguments()
    patterns = [arguments[i + 1] for i, word in enumerate(arguments) if word in ("-i", "--ignore")]

    source = tmp_path / "project"
    source.mkdir()
    skip_inside = shutil.ignore_patterns("__pycache__", "*.pyc", ".*")
    for item in ROOT.iterdir():
        if item.name == "locale" or ignored_at_top(item.name, patterns):
            continue
        if item.is_dir() and not item.is_symlink():
            shutil.copytree(item, source / item.name, symlinks=True, ignore=skip_inside)
        else:
            shutil.copy2(item, source / item.name, follow_symlinks=False)

    locale = tmp_path / "locale"
    (locale / "zh_Hans" / "LC_MESSAGES").mkdir(parents=True)
    shutil.copy2(PO_FILE, locale / "zh_Hans" / "LC_MESSAGES" / "django.po")
    settings_dir = tmp_path / "settings"
    settings_dir.mkdir()
    (settings_dir / "extract_settings.py").write_text(
        f"from dealer_crm.settings.test import *  # noqa: F403\nLOCALE_PATHS = [{str(locale)!r}]\n",
        encoding="utf-8",
    )

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "extract_settings",
        "PYTHONPATH": os.pathsep.join([str(settings_dir), str(source)]),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=source,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr

    _header, committed = po
    _header, extracted = read_po(locale / "zh_Hans" / "LC_MESSAGES" / "django.po")
    extracted_keys = {e.key for e in extracted if not e.obsolete}
    committed_keys = {e.key for e in committed if not e.obsolete}
    missing = sorted(extracted_keys - committed_keys, key=str)
    stale = sorted(committed_keys - extracted_keys, key=str)
    assert (missing, stale) == ([], []), "the source's msgids changed: run `make messages` and translate"
    assert not list(source.rglob("*.html.py")), "makemessages left its temporary files behind"


# --- And it is what a user sees -----------------------------------------------------------------------------------


def nav_labels(html: str) -> list[str]:
    """The visible text of the navigation bar's links and buttons (the part of the page before <main>)."""
    nav = html.split("<main")[0]
    items = re.findall(r"<(?:a|button)\b[^>]*>(.*?)</(?:a|button)>", nav, re.S)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", item)).strip() for item in items]


NAV_ZH_EN = {
    "来店(电)登记": "Visitor register",
    "意向客户": "Leads",
    "报表": "Reports",  # no "Log a visit": on the register it is the page's own button, not the bar's
    "修改密码": "Change password",
    "退出登录": "Log out",
}


def test_a_page_is_chinese_by_default(client, consultant):
    client.force_login(consultant)

    response = client.get(reverse("leads:visit_list"))

    html = response.content.decode()
    labels = nav_labels(html)
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in html
    assert set(NAV_ZH_EN) <= set(labels), labels
    assert not set(NAV_ZH_EN.values()) & set(labels), labels
    assert re.search(r"<h1[^>]*>\s*来店\(电\)登记", html)
    assert re.search(r"<th[^>]*>客户</th>", html) and not re.search(r"<th[^>]*>Customer</th>", html)


def test_the_same_page_is_english_when_english_is_chosen(client, consultant):
    client.force_login(consultant)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})

    html = client.get(reverse("leads:visit_list")).content.decode()

    labels = nav_labels(html)
    assert set(NAV_ZH_EN.values()) <= set(labels), labels
    assert not set(NAV_ZH_EN) & set(labels), labels
