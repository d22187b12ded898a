"""Full-text index over the text of agreement document pages.

SQLite: an FTS5 table holding a copy of each page's text (rowid = the
page's id) plus a one-row table recording which pages it was built from;
``tidewatch.search.document_search`` fills both. PostgreSQL: a GIN
expression index on the page table itself, always current. The expression
folds case, common accents and punctuation the way FTS5's unicode61
tokenizer does, so both databases find the same pages; the query in
``document_search.PG_VECTOR`` must stay identical to ``PG_VECTOR`` here
(tests/test_document_search.py checks it). Other databases get neither.
"""

from django.db import migrations

FTS5 = (
    "CREATE VIRTUAL TABLE document_fts USING fts5("
    "text, document_id UNINDEXED, number UNINDEXED, "
    "tokenize='unicode61 remove_diacritics 2')"
)
FTS5_STATE = (
    "CREATE TABLE document_fts_state ("
    "id INTEGER PRIMARY KEY CHECK (id = 1), "
    "stamp TEXT NOT NULL, pages INTEGER NOT NULL)"
)
ACCENTED = "ÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖÙÚÛÜÝàáâãäåçèéêëìíîïñòóôõöùúûüýÿ"
PLAIN = "AAAAAACEEEEIIIINOOOOOUUUUYaaaaaaceeeeiiiinooooouuuuyy"
PG_VECTOR = (
    "to_tsvector('simple'::regconfig, regexp_replace(lower(translate(text, "
    f"'{ACCENTED}', '{PLAIN}')), '[^[:alnum:]]+', ' ', 'g'))"
)
PG_INDEX = (
    "CREATE INDEX document_page_fts ON documents_documentpage "
    f"USING GIN (({PG_VECTOR}))"
)


def create_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(FTS5)
        schema_editor.execute(FTS5_STATE)
    elif vendor == "postgresql":
        schema_editor.execute(PG_INDEX)


def drop_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS document_fts_state")
        schema_editor.execute("DROP TABLE IF EXISTS document_fts")
    elif vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS document_page_fts")


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0001_initial"),
        ("documents", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_index, drop_index)]
