"""The docs must not drift from the code: each gap fails a test.

No database is needed: these tests read files, the Typer app and module
metadata only.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import pytest

import tidewatch.sources
from tidewatch import conf, docs_gen
from tidewatch.agreements import reports
from tidewatch.sources import ice_287g

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
# Written in pieces so this line does not match its own check.
ABSOLUTE_PATHS = tuple(f"/{d}/" for d in ("work", "tmp", "root", "home", "Users"))
# Pages written by other tools, which may not exist in a fresh checkout.
WRITTEN_BY_OTHER_TOOLS = {"docs/benchmarks.md"}  # `make bench`


def read(relative: str) -> str:
    path = ROOT / relative
    assert path.is_file(), f"{relative} is missing"
    return path.read_text(encoding="utf-8")


def section(text: str, title: str) -> str:
    """The body of the ``## title`` section of a Markdown page."""
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert match, f"no '## {title}' section"
    return match[1]


def first_column(table_text: str) -> list[str]:
    """Backticked names in the first cell of each row of the section's tables."""
    return re.findall(r"^\| `([^`]+)` \|", table_text, re.M)


# -- CLI ------------------------------------------------------------------------


def test_cli_reference_is_current():
    expected = docs_gen.cli_reference()
    actual = (DOCS / "cli-reference.md").read_text(encoding="utf-8")
    assert actual == expected, (
        "docs/cli-reference.md is out of date with the commands' --help: "
        "run `make docs`"
    )


def test_cli_reference_is_deterministic():
    assert docs_gen.cli_reference() == docs_gen.cli_reference()


def test_cli_reference_lists_every_command():
    paths = [" ".join(("tidewatch", *p)) for p, _ in docs_gen.iter_commands()]
    for name in (
        "migrate",
        "import",
        "sync",
        "export",
        "export agreements",
        "changes",
        "stats",
        "serve",
        "settings",
    ):
        assert f"tidewatch {name}" in paths
    text = (DOCS / "cli-reference.md").read_text(encoding="utf-8")
    for path in paths:
        assert f"\n## {path}\n" in text, f"{path} has no section"


COMMANDS = list(docs_gen.iter_commands())


@pytest.mark.parametrize(
    "command",
    [c for _, c in COMMANDS],
    ids=[" ".join(("tidewatch", *p)) for p, _ in COMMANDS],
)
def test_every_command_has_help(command):
    assert (command.help or "").strip(), "empty help text"


LEAVES = [(p, c) for p, c in COMMANDS if not getattr(c, "commands", None)]


@pytest.mark.parametrize(
    "command",
    [c for _, c in LEAVES],
    ids=[" ".join(("tidewatch", *p)) for p, _ in LEAVES],
)
def test_every_command_has_an_example(command):
    help_text = command.help or ""
    summary = help_text.strip().splitlines()[0] if help_text.strip() else ""
    assert summary, "no one-line summary"
    match = re.search(r"^\s*Example:\s*\n(.*)", help_text, re.M | re.S)
    assert match, "no 'Example:' block in the help"
    assert "tidewatch " in match[1], "the Example block shows no command"


# -- settings, columns, sources ---------------------------------------------------


@pytest.mark.parametrize("setting", conf.SETTINGS, ids=lambda s: s.name)
def test_every_setting_is_documented(setting):
    text = read("docs/settings.md")
    rows = [
        line for line in text.splitlines() if line.startswith(f"| `{setting.name}` |")
    ]
    headings = re.findall(rf"^#+ `{re.escape(setting.name)}`\s*$", text, re.M)
    assert rows or headings, f"{setting.name} is not documented in docs/settings.md"
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        default = f"`{setting.default}`" if setting.default else "empty"
        assert cells[1] == default, (
            f"{setting.name}: docs/settings.md says the default is {cells[1]}, "
            f"the code says {default}"
        )


def test_settings_page_names_only_declared_settings():
    declared = {s.name for s in conf.SETTINGS}
    documented = set(first_column(read("docs/settings.md")))
    assert documented <= declared, f"not in conf.SETTINGS: {documented - declared}"


@pytest.mark.parametrize(
    ("title", "columns"),
    [
        ("Agreements export", reports.AGREEMENT_COLUMNS),
        ("Changes export", reports.CHANGE_COLUMNS),
    ],
)
def test_data_dictionary_matches_export_columns(title, columns):
    text = read("docs/data-dictionary.md")
    for column in columns:
        assert f"`{column}`" in text, f"{column} is not in docs/data-dictionary.md"
    documented = first_column(section(text, title))
    assert documented == list(columns), (
        f"the '{title}' table of docs/data-dictionary.md lists {documented}, "
        f"the export writes {list(columns)}"
    )


def source_modules():
    for info in pkgutil.iter_modules(tidewatch.sources.__path__):
        module = importlib.import_module(f"tidewatch.sources.{info.name}")
        if hasattr(module, "SOURCE"):
            yield module


def test_there_is_at_least_one_source():
    assert list(source_modules())


@pytest.mark.parametrize("module", list(source_modules()), ids=lambda m: m.__name__)
def test_every_source_is_documented(module):
    source = module.SOURCE
    assert module.__name__.rsplit(".", 1)[1] == source.key, (
        "a source's key must be its module name"
    )
    page = DOCS / "sources" / f"{source.key}.md"
    assert page.is_file(), f"docs/sources/{source.key}.md is missing"
    rows = [
        line
        for line in read("docs/sources.md").splitlines()
        if line.startswith(f"| `{source.key}` |")
    ]
    assert len(rows) == 1, f"docs/sources.md needs one row for {source.key}"
    row = rows[0]
    for value in (source.name, source.publisher, source.url, *source.formats):
        assert value in row, f"docs/sources.md row for {source.key} lacks {value!r}"
    assert f"(sources/{source.key}.md)" in row, "the row must link the source page"


def test_source_page_lists_every_header_variant():
    text = read("docs/sources/ice_287g.md")
    for (named, blanks), code in ice_287g.HEADER_CODES.items():
        rows = [line for line in text.splitlines() if line.startswith(f"| {code} |")]
        assert len(rows) == 1, f"docs/sources/ice_287g.md needs one row for {code}"
        cells = [c.strip() for c in rows[0].strip("|").split("|")]
        assert " · ".join(named) in cells, f"{code}: columns differ from the code"
        assert str(blanks) in cells, f"{code}: blank-cell count differs from the code"


# -- README and paths ---------------------------------------------------------------


def test_readme():
    text = read("README.md")
    assert text.startswith("# Tidewatch"), "README.md must start with '# Tidewatch'"
    assert "make run" in text
    assert "make test" in text


def doc_files() -> list[Path]:
    return [ROOT / "README.md", *sorted(DOCS.rglob("*.md"))]


def test_doc_pages_exist():
    for name in (
        "user-guide.md",
        "methods.md",
        "sources.md",
        "data-dictionary.md",
        "settings.md",
        "cli-reference.md",
    ):
        assert (DOCS / name).is_file(), f"docs/{name} is missing"


@pytest.mark.parametrize("path", doc_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_absolute_machine_paths(path):
    text = path.read_text(encoding="utf-8")
    for marker in ABSOLUTE_PATHS:
        assert marker not in text, f"{path.relative_to(ROOT)} contains {marker!r}"


@pytest.mark.parametrize("path", doc_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(path):
    text = path.read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
        if re.match(r"^[a-z]+:", target):
            continue  # an external address
        resolved = (path.parent / target).resolve()
        if resolved.is_relative_to(ROOT) and (
            resolved.relative_to(ROOT).as_posix() in WRITTEN_BY_OTHER_TOOLS
        ):
            continue
        assert (path.parent / target).exists(), (
            f"{path.relative_to(ROOT)} links to {target}, which does not exist"
        )
