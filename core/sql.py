"""Statements the ORM would write, built once and sent together.

For the few hot paths where the ORM's query building costs more than the database's work
(the fast lane's record: see arbitrage/pipeline/lane/sql.py). The rows are still model
instances, and each value goes through its field's own `pre_save` and `get_db_prep_save`, so
an amount, a JSON list or an `auto_now` date is written exactly as `Model.save()` writes it.
PostgreSQL only: several statements in one round trip are a PostgreSQL feature.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, TypeVar

from django.db import connection, models

M = TypeVar("M", bound=models.Model)


def insert_statement(objs: Sequence[models.Model]) -> tuple[str, list[Any]]:
    """One INSERT of these rows of one model, primary keys included when they are set (all
    or none). The statement and its parameters."""
    if not objs:
        raise ValueError("nothing to insert")
    meta = objs[0]._meta
    with_pk = objs[0].pk is not None
    if any((obj.pk is not None) != with_pk or obj._meta is not meta for obj in objs):
        raise ValueError("rows of one model, with primary keys on all of them or on none")
    fields = [f for f in meta.concrete_fields if with_pk or not f.primary_key]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    params: list[Any] = []
    for obj in objs:
        for f in fields:
            params.append(f.get_db_prep_save(f.pre_save(obj, True), connection))
        obj._state.adding = False
        obj._state.db = connection.alias
    rows = ", ".join([row] * len(objs))
    sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES {rows}"  # noqa: S608 - names
    return sql, params


def next_ids(model: type[models.Model], count: int = 1) -> str:
    """A SELECT of `count` new primary keys from the model's sequence (its identity column)."""
    table = model._meta.db_table
    pk = model._meta.pk
    assert pk is not None
    return (
        f"SELECT nextval(pg_get_serial_sequence('{table}', '{pk.column}')) "  # noqa: S608
        f"FROM generate_series(1, {int(count)})"
    )


def result_sets(cursor: Any) -> Iterator[list[tuple[Any, ...]]]:
    """The rows of each statement of a multi-statement execute, in order (an empty list for
    a statement that returns none)."""
    while True:
        yield cursor.fetchall() if cursor.description is not None else []
        if not cursor.nextset():
            return


@dataclass(frozen=True)
class Columns:
    """Columns of one model named by ORM lookups (``"token0__is_blocked"``), written as SQL
    under the aliases the statement gives each relation path (``""`` for the model itself)
    and read back into Python values by the fields' own converters, as the ORM reads them."""

    model: type[models.Model]
    lookups: tuple[str, ...]
    aliases: Mapping[str, str]

    def _field(self, lookup: str) -> tuple[str, models.Field[Any, Any]]:
        *path, name = lookup.split("__")
        model = self.model
        for part in path:
            related = model._meta.get_field(part).related_model
            assert isinstance(related, type), lookup
            model = related
        field = model._meta.get_field(name)
        assert isinstance(field, models.Field), lookup
        return self.aliases["__".join(path)], field

    @cached_property
    def _readers(self) -> list[tuple[str, models.Field[Any, Any], Any, list[Any]]]:
        """Per column: its alias, field, column expression and the converters its values go
        through (resolved once: the record reads these on the hot path)."""
        readers = []
        for lookup in self.lookups:
            alias, field = self._field(lookup)
            col = field.get_col(field.model._meta.db_table)
            converters = [
                *connection.ops.get_db_converters(col),
                *col.get_db_converters(connection),
            ]
            readers.append((alias, field, col, converters))
        return readers

    def sql(self) -> str:
        quote = connection.ops.quote_name
        return ", ".join(f"{alias}.{quote(field.column)}" for alias, field, _, _ in self._readers)

    def values(self, row: Sequence[Any]) -> list[Any]:
        """A row of these columns as the ORM would give it."""
        out = []
        for (_, _, col, converters), raw in zip(self._readers, row, strict=True):
            value = raw
            for convert in converters:
                value = convert(value, col, connection)
            out.append(value)
        return out


@functools.cache
def model_columns(model: type[models.Model], alias: str) -> Columns:
    """Every concrete column of the model (see `instance`)."""
    return Columns(model, tuple(f.attname for f in model._meta.concrete_fields), {"": alias})


def instance(model: type[M], row: Sequence[Any]) -> M:
    """A model instance from a row of `model_columns(model, ...)`, as a query would load it."""
    columns = model_columns(model, "")
    return model.from_db(connection.alias, list(columns.lookups), columns.values(row))
