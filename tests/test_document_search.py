"""Search across the text of agreement documents, on SQLite and PostgreSQL.

What a reader relies on: a word or a "quoted phrase" finds the page it is on
(and only pages holding every word), whatever the case, accents or
punctuation; the excerpt marks the words and never lets the document's
text become HTML; each result names the agency, links the page and the
archived PDF; a document stored after the last search is found without a
manual rebuild; the page and the API refuse an over-long query clearly.

Charleston County Sheriff's Office is a real agency and its row is a fact
from ICE's participating list. Every document text below is invented for
these tests and is not the text of any real agreement; "Example County
Sheriff's Office" and the people named are invented too.
"""

from __future__ import annotations

import importlib
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from tests.fixtures.workbooks import Row, write_list
from tidewatch.agreements.models import Agreement
from tidewatch.documents.models import (
    AgreementDocument,
    Document,
    DocumentField,
    DocumentPage,
)
from tidewatch.pipeline.archive import store
from tidewatch.pipeline.importer import import_paths
from tidewatch.search import document_search
from tidewatch.search.document_search import (
    count_matches,
    parse_query,
    rebuild_document_index,
    search_documents,
)

pytestmark = pytest.mark.django_db

SHERIFF = "sc-charleston-county-sheriffs-office"
LONG_QUERY = "jail " * 41  # 205 characters

CHARLESTON_PAGES = [
    "MEMORANDUM OF AGREEMENT. This invented fixture text stands for an "
    "agreement between U.S. Immigration and Customs Enforcement (ICE) and the "
    "Charleston County Sheriff's Office, South Carolina.",
    "I. PURPOSE. Under the 287(g) Jail Enforcement Model, officers of the "
    "Sheriff identify removable people booked into the county jail. "
    "Detention & Jail Operations unit (< 2 days). Oficina de la Policía del condado.",
    "VIII. EFFECTIVE DATE. The agreement takes effect when signed; either "
    "party may end it by written notice of termination. Example Signer, Sheriff.",
]
EXAMPLE_PAGES = [
    "MEMORANDUM OF AGREEMENT. Invented fixture text: the Example County "
    "Sheriff's Office serves warrants for the enforcement of immigration law "
    "on people held in its jail.",
]


def add_document(name: str, pages: list[str], kind: str = Document.MOA) -> Document:
    """A read document as the import stores it: archived bytes, one row per page."""
    archived = store(
        f"%PDF-1.4 invented fixture {name}".encode(),
        original_name=name,
        observed_at=datetime(2025, 3, 12, tzinfo=UTC),
        source_key="ice_moa_pdfs",
    )
    document = Document.objects.create(
        raw_file=archived.raw_file,
        kind=kind,
        file_name=name,
        page_count=len(pages),
        ocr_pages=0,
        text_reader="pdftotext",
        read_seconds=0.01,
        read_at=datetime(2025, 3, 12, tzinfo=UTC),
    )
    DocumentPage.objects.bulk_create(
        DocumentPage(document=document, number=n, method="text", text=text)
        for n, text in enumerate(pages, start=1)
    )
    return document


@pytest.fixture
def documents(tmp_path) -> dict[str, Document]:
    workbook = write_list(
        tmp_path / "participatingAgencies07012025am.xlsx",
        [
            Row(
                "SOUTH CAROLINA",
                "Charleston County Sheriff's Office",
                "Warrant Service Officer",
                county="Charleston County",
                signed=datetime(2025, 3, 10),
            )
        ],
    )
    assert not import_paths([workbook]).errors
    charleston = add_document("CharlestonCountySC_MOA.pdf", CHARLESTON_PAGES)
    AgreementDocument.objects.create(
        agreement=Agreement.objects.get(agency_id=SHERIFF),
        document=charleston,
        how=AgreementDocument.BY_URL,
    )
    example = add_document("ExampleCountyFixture_MOA.pdf", EXAMPLE_PAGES)
    DocumentField.objects.create(
        document=example,
        name="agency",
        value="Example County Sheriff's Office",
        page=1,
        confidence=0.9,
    )
    rebuild_document_index()
    return {"charleston": charleston, "example": example}


def found(query: str) -> list[tuple[str, int]]:
    return sorted((hit.file_name, hit.page) for hit in search_documents(query))


# -- the query -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "phrases"),
    [
        ("Jail  Sheriff", [("jail",), ("sheriff",)]),
        ('"jail enforcement" sheriff', [("jail", "enforcement"), ("sheriff",)]),
        ("\u201cjail enforcement\u201d", [("jail", "enforcement")]),  # curly quotes
        ('sheriff "jail enforcement', [("sheriff",), ("jail", "enforcement")]),
        ("287(g) co-operation", [("287", "g"), ("co", "operation")]),
        ("Policía jail JAIL", [("policia",), ("jail",)]),
        ("?! -- \"\" ''", []),
    ],
)
def test_queries_are_split_into_words_and_quoted_phrases(text, phrases):
    assert parse_query(text) == phrases


# -- finding pages -----------------------------------------------------------------


def test_a_word_finds_every_page_it_is_on_in_any_case(documents):
    expected = [
        ("CharlestonCountySC_MOA.pdf", 2),
        ("ExampleCountyFixture_MOA.pdf", 1),
    ]
    assert found("jail") == expected
    assert found("JAIL") == expected


def test_every_word_must_be_on_the_same_page(documents):
    assert found("sheriff termination") == [("CharlestonCountySC_MOA.pdf", 3)]
    assert found("jail termination") == []


def test_a_quoted_phrase_must_appear_word_for_word(documents):
    assert found("jail enforcement") == [
        ("CharlestonCountySC_MOA.pdf", 2),
        ("ExampleCountyFixture_MOA.pdf", 1),
    ]
    assert found('"jail enforcement"') == [("CharlestonCountySC_MOA.pdf", 2)]
    assert found('"enforcement jail"') == []


def test_punctuation_and_accents_do_not_hide_a_word(documents):
    assert found("287(g)") == [("CharlestonCountySC_MOA.pdf", 2)]
    assert found("policia") == [("CharlestonCountySC_MOA.pdf", 2)]
    assert found("Sheriff's Office") == [
        ("CharlestonCountySC_MOA.pdf", 1),
        ("ExampleCountyFixture_MOA.pdf", 1),
    ]


def test_a_word_in_no_document_finds_nothing(documents):
    assert search_documents("quarantine") == []
    assert search_documents("?!") == []
    assert count_matches("quarantine") == document_search.MatchCount(0, 0)


def test_the_page_number_and_links_are_those_of_the_page(documents):
    (hit,) = search_documents("termination")
    charleston = documents["charleston"]
    assert (hit.document_id, hit.page) == (charleston.id, 3)
    assert hit.file_url == reverse("raw-file", args=[charleston.raw_file.sha256])
    assert hit.url.endswith(("#page-3", "#page=3"))


def test_the_excerpt_marks_the_words_and_escapes_the_text(documents):
    (hit,) = search_documents('"jail enforcement" operations')
    assert "<mark>Jail Enforcement</mark>" in hit.snippet
    assert "Operations</mark> unit (&lt; 2" in hit.snippet
    assert "Detention &amp; " in hit.snippet
    assert "(< 2" not in hit.snippet


def test_each_hit_names_its_agency(documents):
    (linked,) = search_documents("termination")
    assert [(a.id, a.name, a.state) for a in linked.agencies] == [
        (SHERIFF, "Charleston County Sheriff's Office", "SC")
    ]
    (unlinked,) = search_documents("warrants")
    assert [(a.id, a.name) for a in unlinked.agencies] == [
        ("", "Example County Sheriff's Office")
    ]


def test_the_limit_cuts_the_hits_not_the_count(documents):
    assert len(search_documents("agreement", limit=1)) == 1
    assert count_matches("agreement") == document_search.MatchCount(3, 2)


def test_a_new_document_is_found_without_a_manual_rebuild(documents):
    assert search_documents("renewal") == []
    add_document(
        "CharlestonCountySC_Renewal.pdf",
        ["Invented fixture text: a renewal of the agreement for five years."],
    )
    assert found("renewal") == [("CharlestonCountySC_Renewal.pdf", 1)]
    DocumentPage.objects.filter(document__file_name__contains="Renewal").delete()
    assert search_documents("renewal") == []


def test_rebuild_counts_every_page(documents):
    assert rebuild_document_index() == 4


def test_the_postgresql_query_uses_the_migrations_index_expression():
    migration = importlib.import_module(
        "tidewatch.search.migrations.0002_document_text_index"
    )
    assert migration.PG_VECTOR == document_search.PG_VECTOR


# -- the page ------------------------------------------------------------------------


def test_the_page_groups_pages_per_document(client, documents):
    response = client.get("/en/search/documents/", {"q": "jail"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "2 pages match “jail”, in 2 documents." in page
    assert "Charleston County Sheriff&#x27;s Office</a>, SC" in page
    assert reverse("agency", args=[SHERIFF]) in page
    assert "Example County Sheriff&#x27;s Office" in page
    assert "Page 2</a>" in page
    assert "<mark>jail</mark>" in page
    sha = documents["charleston"].raw_file.sha256
    assert reverse("raw-file", args=[sha]) in page


def test_the_page_in_spanish(client, documents):
    response = client.get("/es/search/documents/", {"q": "termination"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Buscar en el texto de los documentos de los acuerdos" in page
    assert "1 página coincide con “termination”, en 1 documento." in page
    assert "Página 3</a>" in page


def test_the_page_without_a_match_says_so(client, documents):
    page = client.get("/en/search/documents/", {"q": "quarantine"}).content.decode()
    assert "No documents match “quarantine”." in page
    es = client.get("/es/search/documents/", {"q": "quarantine"}).content.decode()
    assert "Ningún documento coincide con “quarantine”." in es


def test_the_page_refuses_an_over_long_query(client, documents):
    response = client.get("/en/search/documents/", {"q": LONG_QUERY})
    assert response.status_code == 400
    assert "That search is too long: use at most 200 characters" in (
        response.content.decode()
    )


def test_the_page_explains_a_punctuation_only_query(client, documents):
    page = client.get("/en/search/documents/", {"q": "?!"}).content.decode()
    assert "punctuation alone cannot be searched" in page


def test_the_name_search_page_links_the_document_search(client, db):
    page = client.get("/en/search/", {"q": "jail"}).content.decode()
    assert reverse("document-search") + "?q=jail" in page


# -- the API -------------------------------------------------------------------------


def test_the_api_returns_hits_as_json(client, documents):
    response = client.get("/api/documents/search", {"q": '"jail enforcement"'})
    assert response.status_code == 200
    body = response.json()
    assert (body["count"], body["total_pages"], body["total_documents"]) == (1, 1, 1)
    (hit,) = body["results"]
    assert hit["document_id"] == documents["charleston"].id
    assert hit["page"] == 2
    assert hit["file_name"] == "CharlestonCountySC_MOA.pdf"
    assert hit["agencies"] == [
        {"id": SHERIFF, "name": "Charleston County Sheriff's Office", "state": "SC"}
    ]
    assert "<mark>Jail Enforcement</mark>" in hit["snippet"]
    assert hit["url"].startswith("/en/") or hit["url"].startswith("/raw/")


def test_the_api_refuses_long_queries_and_unknown_parameters(client, db):
    assert client.get("/api/documents/search", {"q": LONG_QUERY}).status_code == 422
    assert client.get("/api/documents/search", {"query": "jail"}).status_code == 422
    empty = client.get("/api/documents/search", {"q": "?!"}).json()
    assert (empty["count"], empty["results"]) == (0, [])


def test_the_api_is_in_the_openapi_document(client, db):
    schema = client.get("/api/openapi.json").json()
    operation = schema["paths"]["/api/documents/search"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"q", "limit"}
    assert "422" in operation["responses"]
