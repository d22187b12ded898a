"""Security headers, a Content-Security-Policy with no inline scripts, templates
that need none, and production settings that pass Django's deployment check."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
TEMPLATES = sorted((REPO / "src").rglob("templates/**/*.html"))


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/en/", "/es/models/", "/api/docs"])
def test_pages_carry_a_strict_content_security_policy(client, url):
    response = client.get(url)
    assert response.status_code == 200
    csp = policy(response)
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["default-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"] and csp["form-action"] == ["'self'"]
    assert not any("unsafe" in v for values in csp.values() for v in values)


@pytest.mark.django_db
def test_pages_carry_the_deployment_checklist_headers(client):
    response = client.get("/en/")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "geolocation=()" in response["Permissions-Policy"]


@pytest.mark.django_db
def test_the_api_docs_page_runs_no_inline_script(client):
    """Swagger UI is served from /static/ninja/; its settings travel as a JSON
    data block, which browsers never execute, so the site's policy holds."""
    page = client.get("/api/docs").content.decode()
    for attributes, body in re.findall(r"<script([^>]*)>(.*?)</script>", page, re.S):
        assert "src=" in attributes or 'type="application/json"' in attributes, body[
            :80
        ]
    assert not re.search(r"\son[a-z]+\s*=", page)


def test_every_template_was_found():
    names = {p.name for p in TEMPLATES}
    assert {"base.html", "home.html"} <= names


INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>\s*\S", re.I)
HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.I | re.S)
STYLE_ATTRIBUTE = re.compile(r"<[^>]*\sstyle\s*=", re.I | re.S)
STYLE_ELEMENT = re.compile(r"<style\b", re.I)


@pytest.mark.parametrize(
    "template", TEMPLATES, ids=[str(p.relative_to(REPO / "src")) for p in TEMPLATES]
)
def test_templates_hold_no_inline_script_handler_or_style(template):
    """The policy blocks them in browsers; this says which file has one."""
    text = template.read_text(encoding="utf-8")
    text = re.sub(r"{#.*?#}|{% comment %}.*?{% endcomment %}", "", text, flags=re.S)
    assert not INLINE_SCRIPT.search(text), "inline <script> body"
    assert not HANDLER.search(text), "on...= event handler attribute"
    assert not STYLE_ATTRIBUTE.search(text), "style= attribute"
    assert not STYLE_ELEMENT.search(text), "<style> element"


def test_the_scan_catches_what_it_forbids():
    assert INLINE_SCRIPT.search("<script>alert(1)</script>")
    assert not INLINE_SCRIPT.search('<script src="/static/site/map.js" defer></script>')
    assert HANDLER.search('<button type="button" onclick="go()">')
    assert not HANDLER.search('<a href="/en/" data-one="x">')
    assert STYLE_ATTRIBUTE.search('<td style="color: red">')
    assert not STYLE_ATTRIBUTE.search('<td class="styled">')


def test_production_settings_pass_the_deployment_check(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tidewatch.settings.production",
        "TIDEWATCH_SECRET_KEY": secrets.token_urlsafe(50),
        "TIDEWATCH_ALLOWED_HOSTS": "tidewatch.example.org",
        "TIDEWATCH_DATA_DIR": str(tmp_path),
        "DATABASE_URL": "",
    }
    done = subprocess.run(
        [
            sys.executable,
            str(REPO / "manage.py"),
            "check",
            "--deploy",
            "--fail-level",
            "WARNING",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout
