"""The compliance gate on anvil: a mispricing through a sanctioned token is refused before
signing by the queues and by the fast lane (nothing signed, nothing sent, the refusal recorded,
audited and counted), and traded again once the hit is resolved as a false positive. Payouts
go only to approved parties screened clear."""

from __future__ import annotations

from typing import Any

import pytest
from prometheus_client import REGISTRY

from accounts.models import AuditEvent
from accounts.roles import Role
from arbitrage.models import Token, Trade
from arbitrage.pipeline import loop as pipeline
from arbitrage.pipeline.execute import cycle_addresses
from arbitrage.pipeline.lane import sql as hotpath
from compliance import gate, kyc
from compliance.models import Payout, ScreeningResult
from compliance.payouts import payout_confirm, payout_request, payout_send
from compliance.sanctions.store import list_import
from compliance.screening import result_resolve
from tests.compliance.conftest import PDF
from tests.compliance.lists import write_sdn
from tests.integration.pipeline_helpers import (
    audit_steps,
    balance_of,
    balances,
    confirm,
    push_price,
    run_once,
    settle,
    twin_pairs,
)
from tests.personas import make_user

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

# Two accounts of anvil's well-known mnemonic beyond the three the market uses (anyone's).
STRANGER = "0x90F79bf6EB2c4f870365E785982E1f101E93b906"
PAYEE = "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65"


def _refusals(kind: str) -> float:
    return REGISTRY.get_sample_value("arbx_compliance_refusals_total", {"kind": kind}) or 0.0


def _sanction_token(tmp_path, address: str) -> ScreeningResult:
    """Import a list naming `address` (lower case, as a list may print it): the import screens
    every token, so the token has an open hit."""
    list_import(write_sdn(tmp_path, eth=address.lower()))
    (hit,) = ScreeningResult.objects.filter(subject_type="token", status="open")
    return hit


def _assert_refused_unsent(trade: Trade, client, deployer, nonce: int) -> None:
    assert trade.state == Trade.State.REJECTED
    assert trade.error.startswith("compliance: "), trade.error
    assert "sanctions hit (entry 36001)" in trade.error
    assert (trade.signed_tx, trade.tx_hash, trade.nonce) == ("", None, None)
    assert client.transaction_count(deployer.account, "pending") == nonce
    assert "execution.trade_signed" not in audit_steps(trade)
    refusal = AuditEvent.objects.get(action="compliance.trade_refused", target_id=str(trade.pk))
    assert refusal.category == "compliance"
    assert (refusal.after or {})["reason"] == trade.error


def test_the_queues_refuse_a_sanctioned_token_and_trade_it_once_cleared(
    local_chain, live, market, client, trader, deployer, tmp_path
):
    settle(local_chain)
    first, _ = twin_pairs(market)
    hit = _sanction_token(tmp_path, first.token0)
    counted = _refusals("trade")
    nonce = client.transaction_count(deployer.account, "pending")

    push_price(trader, market, client, first, bps=300)
    (trade,) = run_once(local_chain)
    _assert_refused_unsent(trade, client, deployer, nonce)
    assert _refusals("trade") == counted + 1

    officer = make_user("cora", Role.COMPLIANCE_OFFICER)
    result_resolve(result_id=hit.pk, status="false_positive", reason="a namesake", actor=officer)
    push_price(trader, market, client, first, bps=300)
    (trade,) = run_once(local_chain)
    confirm(local_chain)
    trade.refresh_from_db()
    assert trade.state == Trade.State.CONFIRMED, trade.error
    assert trade.realized_profit
    assert trade.realized_profit > 0


def test_the_fast_lane_refuses_a_sanctioned_token_and_trades_it_once_cleared(
    lane, local_chain, market, client, trader, anvil, deployer, tmp_path, monkeypatch
):
    first, _ = twin_pairs(market)
    hit = _sanction_token(tmp_path, first.token0)
    # What the lane's own statement read, checked against the ORM's read of the same rows.
    seen: list[tuple[list[Any], str | None]] = []
    real = hotpath.hits_refusal

    def spy(hits: Any, *, list_loaded: bool) -> str | None:
        rows = [list(row) for row in hits]
        answer = real(rows, list_loaded=list_loaded)
        seen.append((rows, answer))
        return answer

    monkeypatch.setattr(hotpath, "hits_refusal", spy)
    lane.on_head(client.block("latest"))  # it starts: reads its state
    nonce = client.transaction_count(deployer.account, "pending")
    synced = client.block_number()
    push_price(trader, market, client, first, bps=300)
    trades = [
        t
        for n in range(synced + 1, client.block_number() + 1)
        for t in lane.on_head(client.block(n))
    ]
    (trade,) = trades
    _assert_refused_unsent(trade, client, deployer, nonce)
    ((rows, answer),) = seen
    assert answer is not None  # the lane's record refused it, the ORM path recorded why
    orm = gate.blocking_hits(cycle_addresses(trade.opportunity))
    assert sorted(map(tuple, rows)) == sorted(orm) == [(first.token0.lower(), "open", "36001")]

    officer = make_user("cora", Role.COMPLIANCE_OFFICER)
    result_resolve(result_id=hit.pk, status="false_positive", reason="a namesake", actor=officer)
    synced = client.block_number()
    push_price(trader, market, client, first, bps=300)
    anvil.rpc("evm_setAutomine", False)
    try:
        trades = [
            t
            for n in range(synced + 1, client.block_number() + 1)
            for t in lane.on_head(client.block(n))
        ]
    finally:
        anvil.rpc("evm_setAutomine", True)
    (trade,) = trades
    assert trade.state == Trade.State.SUBMITTED, trade.error
    assert seen[-1][1] is None
    assert seen[-1][0] == []


def _approved_party(officers, *, wallet: str, chain) -> Any:
    maker, checker = officers
    party = kyc.party_create(actor=maker, name="Ada Lovelace", country="GB")
    kyc.wallet_add(party_id=party.pk, chain=chain, address=wallet, actor=maker)
    case = kyc.case_open(party_id=party.pk, actor=maker)
    kyc.document_add(case_id=case.pk, actor=maker, content=PDF)
    kyc.case_submit(case_id=case.pk, actor=maker)
    kyc.case_claim(case_id=case.pk, actor=checker)
    kyc.case_approve(case_id=case.pk, actor=checker, reason="verified")
    return party


def test_a_payout_goes_only_to_an_approved_party_screened_clear(
    local_chain, live, market, client, deployer, tmp_path
):
    settle(local_chain)
    held = {address: amount for address, amount in balances(client, market).items() if amount}
    token_address, amount = next(iter(sorted(held.items())))
    token = Token.objects.get(chain=local_chain, address=token_address)
    officers = (
        make_user("cora", Role.COMPLIANCE_OFFICER),
        make_user("carl", Role.COMPLIANCE_OFFICER),
    )
    operator = make_user("otto", Role.OPERATOR)
    list_import(write_sdn(tmp_path))
    ctx = pipeline.execution_context(local_chain)

    # A party without an approved case: refused at the request, nothing signed.
    stranger = kyc.party_create(actor=officers[0], name="Nobody Known")
    wallet = kyc.wallet_add(
        party_id=stranger.pk, chain=local_chain, address=STRANGER, actor=officers[0]
    )
    nonce = client.transaction_count(deployer.account, "pending")
    refused = payout_request(wallet_id=wallet.pk, token=token, amount=1, actor=operator)
    assert refused.state == Payout.State.REFUSED
    assert "no approved KYC case" in refused.reason
    assert payout_send(payout_id=refused.pk, client=ctx.client, signer=ctx.signer).tx_hash is None
    assert client.transaction_count(deployer.account, "pending") == nonce
    assert AuditEvent.objects.filter(action="compliance.payout_refused").count() == 1

    party = _approved_party(officers, wallet=PAYEE, chain=local_chain)
    wallet = party.wallets.get()
    before = balance_of(client, token_address, PAYEE)
    payout = payout_request(wallet_id=wallet.pk, token=token, amount=amount // 2, actor=operator)
    assert payout.state == Payout.State.REQUESTED, payout.reason
    payout = payout_send(payout_id=payout.pk, client=ctx.client, signer=ctx.signer)
    assert payout.state == Payout.State.SUBMITTED
    payout = payout_confirm(payout_id=payout.pk, client=ctx.client)
    assert payout.state == Payout.State.CONFIRMED
    assert balance_of(client, token_address, PAYEE) == before + amount // 2

    # The wallet's address listed afterwards: the next payout is refused before signing.
    list_import(write_sdn(tmp_path, eth=PAYEE, name="sdn2.xml"))
    later = payout_request(wallet_id=wallet.pk, token=token, amount=1, actor=operator)
    assert later.state == Payout.State.REFUSED
    assert "sanctions hit" in later.reason or "not screened" in later.reason
