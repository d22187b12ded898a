"""Agreement documents (MOAs and addenda): each version, its pages and fields.

A :class:`Document` is one version of one document: the bytes of one PDF
(archived once by SHA-256 as a ``RawFile``). When the PDF at an ICE address
changes, the new bytes become a new Document beside the old one; nothing is
overwritten. Its pages hold the text and how it was read (text layer or
OCR); its fields hold what was read from the text, each with its page and a
confidence, or a note saying why it could not be read.
"""

from __future__ import annotations

from django.db import models

from tidewatch.agreements.models import Agreement
from tidewatch.publications.models import RawFile


class Document(models.Model):
    """One version of an agreement document, read."""

    MOA = "moa"
    ADDENDUM = "addendum"
    KIND_CHOICES = [(MOA, "Memorandum of Agreement"), (ADDENDUM, "Addendum")]

    raw_file = models.OneToOneField(
        RawFile, on_delete=models.PROTECT, related_name="document"
    )
    kind = models.CharField(
        max_length=10,
        choices=KIND_CHOICES,
        help_text="MOA or addendum: from the list column that linked it, else "
        "from the document's title.",
    )
    source_url = models.URLField(
        max_length=2000,
        blank=True,
        help_text="ICE's address for the document (the list's MOA or ADDENDUM "
        "link); empty for a file imported from disk that matched no link.",
    )
    file_name = models.CharField(max_length=300, help_text="The name it came under.")
    page_count = models.IntegerField()
    ocr_pages = models.IntegerField(help_text="Pages read by OCR (scans).")
    text_reader = models.CharField(
        max_length=20, help_text="What read the text layer: pdftotext or pypdf."
    )
    read_seconds = models.FloatField(help_text="Time taken to read the text.")
    read_at = models.DateTimeField()
    notes = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["source_url", "read_at", "id"]

    def __str__(self) -> str:
        return self.file_name

    def field_map(self) -> dict[str, DocumentField]:
        return {item.name: item for item in self.fields.all()}


class DocumentPage(models.Model):
    """The text of one page and how it was read."""

    TEXT_LAYER = "text"
    OCR = "ocr"
    METHOD_CHOICES = [(TEXT_LAYER, "text layer"), (OCR, "OCR (tesseract)")]

    document = models.ForeignKey(
        Document, on_delete=models.CASCADE, related_name="pages"
    )
    number = models.IntegerField(help_text="Page number, from 1.")
    method = models.CharField(max_length=10, choices=METHOD_CHOICES)
    text = models.TextField()

    class Meta:
        ordering = ["document", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "number"], name="one_text_per_page"
            )
        ]


class DocumentField(models.Model):
    """One fact read from a document, with the page it is on."""

    document = models.ForeignKey(
        Document, on_delete=models.CASCADE, related_name="fields"
    )
    name = models.CharField(max_length=40, help_text="See docs/data-dictionary.md.")
    value = models.TextField(blank=True, help_text="Empty when it could not be read.")
    page = models.IntegerField(null=True, blank=True)
    confidence = models.FloatField(
        help_text="0 to 1: how sure the reader is (docs/sources/ice_moa_pdfs.md)."
    )
    note = models.CharField(
        max_length=300, blank=True, help_text="Why a value is missing or uncertain."
    )

    class Meta:
        ordering = ["document", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "name"], name="one_value_per_field"
            )
        ]


class AgreementDocument(models.Model):
    """Which agreement a document belongs to, and how that was decided."""

    BY_URL = "url"
    BY_FILE_NAME = "file name"
    BY_CONTENT = "content"
    HOW_CHOICES = [
        (BY_URL, "downloaded from the list's link"),
        (BY_FILE_NAME, "file name equals the list link's file name"),
        (BY_CONTENT, "agency, state and model read in the document"),
    ]

    agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, related_name="document_links"
    )
    document = models.ForeignKey(
        Document, on_delete=models.CASCADE, related_name="agreement_links"
    )
    how = models.CharField(max_length=20, choices=HOW_CHOICES)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "document"], name="one_link_per_pair"
            )
        ]
