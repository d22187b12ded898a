"""Every page is in English and Spanish: each string marked for translation in
a template or in Python has a Spanish translation in django.po.

The strings are found the way ``makemessages`` finds them (Django's
``templatize`` for templates, the gettext calls in Python), without needing
GNU gettext on the machine.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import polib
from django.utils.translation.template import templatize

SRC = Path(__file__).resolve().parent.parent / "src" / "tidewatch"
PO = SRC / "locale" / "es" / "LC_MESSAGES" / "django.po"
LITERAL = r"""u?(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')"""
CALL = re.compile(
    rf"\b(?P<fn>n?p?gettext)\((?P<args>{LITERAL}(?:\s*,\s*{LITERAL})*)",
)
PY_FUNCTIONS = {
    "_": (None, 0),
    # The document reader's notes (pipeline.moa_fields): stored in English,
    # shown translated (site.document_views.reader_text).
    "N_": (None, 0),
    "gettext_noop": (None, 0),
    "gettext": (None, 0),
    "gettext_lazy": (None, 0),
    "pgettext": (0, 1),
    "pgettext_lazy": (0, 1),
    "ngettext": (None, 0),
    "ngettext_lazy": (None, 0),
    "npgettext": (0, 1),
    "npgettext_lazy": (0, 1),
}


def template_messages(path: Path) -> set[tuple[str | None, str]]:
    found = set()
    for call in CALL.finditer(templatize(path.read_text(), origin=str(path))):
        args = [ast.literal_eval(a) for a in re.findall(LITERAL, call["args"])]
        if call["fn"].startswith("np") or call["fn"] == "pgettext":
            found.add((args[0], args[1]))
        else:
            found.add((None, args[0]))
    return found


def python_messages(path: Path) -> set[tuple[str | None, str]]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
            continue
        if node.func.id not in PY_FUNCTIONS:
            continue
        context, message = PY_FUNCTIONS[node.func.id]
        args = node.args
        if len(args) > message and isinstance(args[message], ast.Constant):
            ctx = args[context].value if context is not None else None
            found.add((ctx, args[message].value))
    return found


def marked_messages() -> dict[tuple[str | None, str], str]:
    where: dict[tuple[str | None, str], str] = {}
    for path in sorted(SRC.rglob("templates/**/*.html")):
        for key in template_messages(path):
            where.setdefault(key, str(path.relative_to(SRC)))
    for path in sorted(SRC.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for key in python_messages(path):
            where.setdefault(key, str(path.relative_to(SRC)))
    return where


def test_the_extractor_finds_strings_of_each_kind():
    messages = marked_messages()
    assert (None, "Latest changes") in messages  # {% translate %}
    assert any("agreements were in force in" in m for _, m in messages)  # plural
    assert any(ctx == "map" for ctx, _ in messages)  # {% translate ... context %}
    assert (None, "first listed") in messages  # gettext_lazy in a model


def test_every_marked_string_has_a_spanish_translation():
    catalogue = polib.pofile(str(PO))
    translated = {
        (entry.msgctxt, entry.msgid)
        for entry in catalogue
        if not entry.obsolete
        and (entry.msgstr or all(entry.msgstr_plural.values()))
        and (not entry.msgid_plural or all(entry.msgstr_plural.values()))
    }
    missing = [
        f"{where}: {message!r}" + (f" (context {ctx!r})" if ctx else "")
        for (ctx, message), where in sorted(
            marked_messages().items(), key=lambda item: item[1]
        )
        if (ctx, message) not in translated
    ]
    assert missing == [], f"{len(missing)} strings without Spanish:\n" + "\n".join(
        missing
    )


def test_placeholders_survive_translation():
    """A translation that drops or renames %(day)s breaks the page."""
    wrong = []
    for entry in polib.pofile(str(PO)):
        names = set(re.findall(r"%\(\w+\)s", entry.msgid + (entry.msgid_plural or "")))
        if entry.msgstr and set(re.findall(r"%\(\w+\)s", entry.msgstr)) != names:
            wrong.append(entry.msgid)
        for text in entry.msgstr_plural.values():
            if not set(re.findall(r"%\(\w+\)s", text)) <= names:
                wrong.append(entry.msgid)
    assert wrong == []


def test_no_message_is_translated_twice():
    """msgfmt refuses a catalogue with a message twice; polib would keep both."""
    seen: set[tuple[str | None, str]] = set()
    twice = []
    for entry in polib.pofile(str(PO)):
        key = (entry.msgctxt, entry.msgid)
        if key in seen:
            twice.append(entry.msgid)
        seen.add(key)
    assert twice == []
