"""The cost methods page prints the model's own tables: every parameter with
its source, every line item with its formula, in English and Spanish."""

from __future__ import annotations

import html

import pytest

from tidewatch.costmodel import items
from tidewatch.costmodel import parameters as params

pytestmark = pytest.mark.django_db


def test_every_parameter_is_listed_with_its_source(client):
    page = html.unescape(client.get("/en/about/costs/").content.decode())
    for parameter in params.PARAMETERS:
        assert f"<code>{parameter.name}</code>" in page
        assert parameter.source in page
    for item in items.ITEMS:
        assert f'<th scope="row">{item.code}</th>' in page
    assert "dollars of 2025" in page
    assert "seed 287" in page


def test_the_page_is_in_spanish(client):
    page = html.unescape(client.get("/es/about/costs/").content.decode())
    assert 'lang="es"' in page
    assert "Cómo estima Tidewatch lo que cuesta el 287(g)" in page
    # Labels come from the model's table, translated on the way out.
    assert "Sueldo de un agente" in page
    assert "Jail days of people held for ICE" not in page


def test_the_about_page_links_to_it(client):
    page = client.get("/en/about/").content.decode()
    assert 'href="/en/about/costs/"' in page
