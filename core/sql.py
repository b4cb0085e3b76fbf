"""Statements the ORM would write, built once and sent together.

For the few hot paths where the ORM's query building costs more than the database's work
(the fast lane's record: see arbitrage/services/hotpath.py). The rows are still model
instances, and each value goes through its field's own `pre_save` and `get_db_prep_save`, so
an amount, a JSON list or an `auto_now` date is written exactly as `Model.save()` writes it.
PostgreSQL only: several statements in one round trip are a PostgreSQL feature.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from django.db import connection, models


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
