"""The plain SQL beside the ORM names only tables and columns the models have.

Every hand-written statement is parsed (sqlglot, PostgreSQL dialect) and each table, alias
and column it names is looked up in the models' `_meta`: a column renamed in a model fails
here, at once, instead of in an integration test against a live chain. No database needed.
"""

from __future__ import annotations

import re

import pytest
import sqlglot
from django.apps import apps
from sqlglot import exp

from accounts.audit import AUDIT_TAIL_SQL, audit_event, audit_lock_sql
from arbitrage.models import Opportunity, Trade
from arbitrage.pipeline.lane import sql as lane_sql
from arbitrage.pipeline.sync.reserves import reserves_update_sql
from core.sql import insert_statement, next_ids

PARAMETER = re.compile(r"%\(\w+\)s|%s")


def _schema() -> dict[str, set[str]]:
    return {
        model._meta.db_table: {field.column for field in model._meta.concrete_fields}
        for model in apps.get_models()
    }


def _check_literal_names(statement: exp.Expression, schema: dict[str, set[str]]) -> None:
    """pg_get_serial_sequence('table', 'column') names them in strings."""
    for call in statement.find_all(exp.Anonymous):
        if call.name.lower() == "pg_get_serial_sequence":
            table, column = (arg.name for arg in call.expressions)
            assert table in schema, f"no table {table}"
            assert column in schema[table], f"no column {table}.{column}"


def check(sql: str) -> int:
    """Raise AssertionError naming the first table or column the models lack; the number of
    statements checked."""
    schema = _schema()
    statements = [s for s in sqlglot.parse(PARAMETER.sub("NULL", sql), read="postgres") if s]
    for statement in statements:
        tables: dict[str, str] = {}  # alias (or name) -> table
        derived: dict[str, set[str]] = {}  # VALUES (...) AS v(a, b): v -> its columns
        for table in statement.find_all(exp.Table):
            if not isinstance(table.this, exp.Identifier):
                continue  # a set-returning function (generate_series): no table
            assert table.name in schema, f"no table {table.name} in: {statement.sql()}"
            tables[table.alias_or_name] = table.name
        for alias in statement.find_all(exp.TableAlias):
            if isinstance(alias.parent, exp.Values):
                derived[alias.name] = {column.name for column in alias.columns}
        for column in statement.find_all(exp.Column):
            if column.table in derived:
                assert column.name in derived[column.table], column.sql()
                continue
            if column.table:
                assert column.table in tables, f"no alias {column.table}: {statement.sql()}"
                owners = [tables[column.table]]
            else:
                owners = list(tables.values())
            assert any(column.name in schema[owner] for owner in owners), (
                f"no column {column.name} in {owners}: {statement.sql()}"
            )
        _check_literal_names(statement, schema)
    return len(statements)


@pytest.mark.django_db
def test_the_lane_and_sync_statements_name_only_what_the_models_have() -> None:
    opportunity = Opportunity(
        id=1, chain_id=1, start_token_id=1, amount_in=1, gross_profit=1, net_profit=1
    )
    trade = Trade(id=1, opportunity=opportunity)
    inserts = [
        insert_statement([row])[0]
        for row in (opportunity, trade, audit_event(action="execution.trade_signed"))
    ]
    checked = sum(
        check(sql)
        for sql in (
            lane_sql.STATE_SQL,
            lane_sql.RECORD_SQL,
            lane_sql.NONCE_SQL,
            reserves_update_sql(2),
            AUDIT_TAIL_SQL,
            audit_lock_sql(),
            next_ids(Trade),
            *inserts,
        )
    )
    # The state's 3 statements, the record's 12 (nonce row, state, pools, losses, two ids,
    # the audit lock and tail, the compliance gate's hits and whether a list is loaded), then
    # one each.
    assert checked == 3 + 12 + 1 + 1 + 1 + 1 + 1 + len(inserts)


@pytest.mark.parametrize(
    ("sql", "missing"),
    [
        ("SELECT p.fee FROM arbitrage_pool p", "no column fee"),
        ("SELECT p.id FROM arbitrage_pools p", "no table arbitrage_pools"),
        ("SELECT q.id FROM arbitrage_pool p", "no alias q"),
        ("UPDATE arbitrage_accountnonce SET next_nonces = %s WHERE id = %s", "no column"),
        (
            "SELECT t.realized_profit FROM arbitrage_trade t JOIN arbitrage_opportunity o"
            " ON o.id = t.opportunity WHERE o.chain_id = %(chain)s",
            "no column opportunity",
        ),
        ("SELECT nextval(pg_get_serial_sequence('arbitrage_trade', 'pk'))", "no column"),
    ],
)
def test_a_name_the_models_lack_fails(sql: str, missing: str) -> None:
    with pytest.raises(AssertionError, match=missing):
        check(sql)
