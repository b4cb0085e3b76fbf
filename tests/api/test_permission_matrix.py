"""docs/permissions.md's matrix, checked cell by cell: every endpoint and admin area x role."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from drf_spectacular.generators import SchemaGenerator

from accounts.tokens import token_pair_for
from arbitrage.services import schedules
from tests.api.world import new_address
from tests.conftest import ROOT
from tests.personas import COLUMNS, PASSWORD, ROLE_PERSONA

pytestmark = pytest.mark.django_db


@pytest.fixture
def personas(db, module_rows):
    """The module's personas (built once; see module_rows)."""
    return module_rows[0]


@pytest.fixture
def world(db, module_rows):
    """The module's world (built once; each test's writes roll back with it)."""
    return module_rows[1]


DOC = ROOT / "docs" / "permissions.md"


def _rows() -> list[tuple[str, str, dict[str, int]]]:
    text = DOC.read_text()
    block = text.split("<!-- matrix:start -->")[1].split("<!-- matrix:end -->")[0]
    rows = []
    for line in block.strip().splitlines()[2:]:
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        method, path, *codes = cells
        rows.append((method, path, dict(zip(COLUMNS, map(int, codes), strict=True))))
    return rows


ROWS = _rows()
CELLS = [
    pytest.param(method, path, column, expected, id=f"{method} {path} {column}")
    for method, path, expected_by_column in ROWS
    for column, expected in expected_by_column.items()
]


def _body(method: str, path: str, ids: dict[str, int], personas) -> dict[str, Any] | None:
    vera = personas["vera"]
    bodies = {
        ("POST", "/api/v1/auth/token/"): lambda: {"username": "vera", "password": PASSWORD},
        ("POST", "/api/v1/auth/token/refresh/"): lambda: {
            "refresh": token_pair_for(user=vera)["refresh"]
        },
        ("POST", "/api/v1/auth/logout/"): lambda: {"refresh": token_pair_for(user=vera)["refresh"]},
        ("POST", "/api/v1/chains/"): lambda: {"chain_id": 777, "name": "new-chain"},
        ("POST", "/api/v1/tokens/"): lambda: {
            "chain": ids["chain"],
            "address": new_address(1),
            "symbol": "NEW",
            "decimals": 18,
        },
        ("POST", "/api/v1/dexes/"): lambda: {
            "chain": ids["chain"],
            "name": "newdex",
            "factory_address": new_address(2),
        },
        ("POST", "/api/v1/pools/"): lambda: {
            "dex": ids["dex"],
            "address": new_address(3),
            "token0": ids["spare0"],
            "token1": ids["spare1"],
        },
        ("POST", "/api/v1/thresholds/"): lambda: {
            "chain": ids["chain"],
            "start_token": ids["token"],
            "min_net_profit": "1000",
            "max_hops": 3,
        },
        ("PATCH", "/api/v1/thresholds/{threshold}/"): lambda: {
            "max_hops": 4,
            "min_net_profit": "5",
        },
        ("POST", "/api/v1/chains/{chain}/control/pause/"): lambda: {"reason": "incident"},
        ("PATCH", "/api/v1/chains/{chain}/"): lambda: {"rpc_urls": ["http://127.0.0.1:8545"]},
        ("PATCH", "/api/v1/chains/{chain}/control/"): lambda: {"max_trades_in_flight": 2},
        ("PATCH", "/api/v1/tokens/{token}/"): lambda: {"is_blocked": True},
        ("PATCH", "/api/v1/pools/{pool}/"): lambda: {"active": False},
        ("PATCH", "/api/v1/schedules/{schedule}/"): lambda: {"every_seconds": 7},
        ("POST", "/api/v1/chains/{chain}/control/scanning/"): lambda: {"enabled": False},
        ("POST", "/api/v1/opportunities/{opportunity}/cancel/"): lambda: {"reason": "stale"},
        ("POST", "/api/v1/users/"): lambda: {
            "username": "newbie",
            "password": "a quite long passphrase 77",
            "roles": ["viewer"],
        },
        ("PATCH", "/api/v1/users/{user}/"): lambda: {"email": "target@example.com"},
        ("PATCH", "/api/v1/users/{me}/"): lambda: {"is_active": False},
        ("PUT", "/api/v1/users/{user}/roles/"): lambda: {"roles": ["operator"]},
        ("PUT", "/api/v1/users/{me}/roles/"): lambda: {"roles": ["operator"]},
        ("POST", "/api/v1/compliance/parties/"): lambda: {"name": "New Person", "kind": "entity"},
        ("PATCH", "/api/v1/compliance/parties/{party}/"): lambda: {"country": "DE"},
        ("POST", "/api/v1/compliance/wallets/"): lambda: {
            "party": ids["party"],
            "chain": ids["chain"],
            "address": new_address(4),
        },
        ("POST", "/api/v1/compliance/cases/"): lambda: {"party": ids["party"], "risk": "low"},
        ("PATCH", "/api/v1/compliance/cases/{case}/"): lambda: {"risk": "high"},
        ("POST", "/api/v1/compliance/cases/{case}/submit/"): lambda: {},
        ("POST", "/api/v1/compliance/cases/{review_case}/request-information/"): lambda: {
            "reason": "a proof of address"
        },
        ("POST", "/api/v1/compliance/cases/{review_case}/approve/"): lambda: {"reason": "ok"},
        ("POST", "/api/v1/compliance/cases/{review_case}/reject/"): lambda: {"reason": "no"},
        ("POST", "/api/v1/compliance/screening-results/{result}/resolve/"): lambda: {
            "status": "false_positive",
            "reason": "a namesake",
        },
        ("POST", "/api/v1/compliance/screen/"): lambda: {"name": "Grace Hopper"},
        ("POST", "/api/v1/compliance/payouts/"): lambda: {
            "wallet": ids["approved_wallet"],
            "token": ids["token"],
            "amount": "1",
        },
    }
    make = bodies.get((method, path))
    return make() if make else None  # type: ignore[return-value]


@pytest.mark.parametrize(("method", "path", "column", "expected"), CELLS)
def test_it_answers_each_role_as_the_matrix_says(
    method, path, column, expected, personas, api_as, world
):
    ids = world.ids()
    me = personas[ROLE_PERSONA.get(column, "ada")]
    ids["me"] = me.pk
    path = path.split(" ")[0]
    url = path.format(**ids)
    body = _body(method, path, ids, personas)
    if path.startswith("/admin/"):
        client = Client()
        if column != "anonymous":
            client.force_login(me)
        response = client.generic(method, url)
    elif path.endswith("/documents/") and method == "POST":
        # The one multipart endpoint: a document upload.
        response = api_as(column).post(
            url, {"file": SimpleUploadedFile("id.pdf", b"%PDF-1.4\n%%EOF\n")}, format="multipart"
        )
    else:
        client = api_as(column)
        headers = {}
        if method == "PATCH":
            # A change says which version it was made from (428 otherwise): the row's own.
            row = world.schedule if "/schedules/" in path else None
            version = schedules.schedule_version(row) if row is not None else 1
            headers["HTTP_IF_MATCH"] = f'"{version}"'
        response = client.generic(
            method,
            url,
            data=None if body is None else json.dumps(body),
            content_type="application/json",
            **headers,
        )
    assert response.status_code == expected, (
        f"{method} {url} as {column}: {response.status_code} "
        f"{getattr(response, 'content', b'')[:300]!r}"
    )


def test_it_has_a_row_for_every_operation_of_the_schema():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    documented = {
        (method, re.sub(r"\{[^}]+\}", "{}", path.split(" ")[0])) for method, path, _ in ROWS
    }
    missing = [
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        for method in operations
        if (method.upper(), re.sub(r"\{[^}]+\}", "{}", path)) not in documented
    ]
    assert missing == []
