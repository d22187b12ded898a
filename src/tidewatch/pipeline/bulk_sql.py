"""Bulk writes with plain ``executemany``, for the loader's hot path.

Values are still adapted by each model field (dates, JSON), so the same code
serves SQLite and PostgreSQL; table and column names come from the models,
never from input.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connection
from django.db.models import AutoField, DateField, Field, JSONField, Model


# Plain executemany instead of bulk_create/bulk_update: the ORM's per-value
# expression machinery cost more than the rest of an import put together
# (docs/benchmarks.md). Values are still adapted by each field.
def _adapter(field: Field) -> Callable[[Any], Any]:
    if isinstance(field, JSONField):
        adapt_json, encoder = connection.ops.adapt_json_value, field.encoder
        empty_list = adapt_json([], encoder)  # most listings have no duplicates
        return lambda value: empty_list if value == [] else adapt_json(value, encoder)
    if isinstance(field, DateField):
        adapt_date = connection.ops.adapt_datefield_value
        return lambda value: None if value is None else adapt_date(value)
    return lambda value: value


def insert(model: type[Model], rows: list[dict[str, Any]]) -> None:
    """Insert rows (dicts keyed by field attname) into ``model``'s table."""
    if not rows:
        return
    fields = [
        f
        for f in model._meta.concrete_fields
        if not (f.primary_key and isinstance(f, AutoField))
    ]
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} "
        f"({', '.join(quote(f.column) for f in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    adapters = [(f.attname, _adapter(f)) for f in fields]
    with connection.cursor() as cursor:
        cursor.executemany(
            sql, [[adapt(row[name]) for name, adapt in adapters] for row in rows]
        )


def update(model: type[Model], names: list[str], rows: list[dict[str, Any]]) -> None:
    """Set the ``names`` fields of each row (dicts with the primary key)."""
    if not rows:
        return
    meta = model._meta
    fields = [meta.get_field(n) for n in names]
    quote = connection.ops.quote_name
    sql = (
        f"UPDATE {quote(meta.db_table)} SET "
        f"{', '.join(quote(f.column) + ' = %s' for f in fields)} "
        f"WHERE {quote(meta.pk.column)} = %s"
    )
    adapters = [(f.attname, _adapter(f)) for f in fields]
    with connection.cursor() as cursor:
        cursor.executemany(
            sql,
            [
                [adapt(row[name]) for name, adapt in adapters] + [row[meta.pk.attname]]
                for row in rows
            ],
        )
