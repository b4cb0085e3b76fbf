"""Payouts: tokens the executor contract holds, withdrawn to a party's wallet.

A payout is requested (the gate refuses it at once when the wallet's party is not approved and
screened clear), then sent: the kill switch and the gate are read again under the row's lock
right before signing the executor's `withdraw(token, to, amount)` (only its owner may call it),
with a nonce from the same nonce manager as the trades. The confirm step books the receipt.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils import timezone
from eth_abi.abi import encode
from eth_utils.abi import function_signature_to_4byte_selector
from eth_utils.address import to_checksum_address

from accounts.audit import AuditAction, audit_record
from arbitrage.chain.client import ChainClient, ChainRpcError
from arbitrage.chain.signer import Signer
from arbitrage.pipeline.nonces import nonce_reserve
from arbitrage.pipeline.rules import max_fee_per_gas, transaction_fields
from arbitrage.services.control import kill_switch_engaged
from compliance import gate
from compliance.errors import ComplianceError, ComplianceErrorCode
from compliance.models import Payout, Wallet

logger = logging.getLogger(__name__)
State = Payout.State
WITHDRAW = function_signature_to_4byte_selector("withdraw(address,address,uint256)")
WITHDRAW_GAS = 120_000


def withdraw_calldata(token: str, to: str, amount: int) -> str:
    args = encode(["address", "address", "uint256"], [token, to, amount])
    return "0x" + (WITHDRAW + args).hex()


def _refuse(payout: Payout, reason: str, actor: Any) -> Payout:
    payout.state, payout.reason, payout.finished_at = State.REFUSED, reason, timezone.now()
    payout.save()
    gate.refused("payout")
    audit_record(
        action=AuditAction.COMPLIANCE_PAYOUT_REFUSED,
        actor=actor,
        target=payout,
        after={"wallet": payout.wallet_id, "state": payout.state, "reason": reason},
    )
    logger.warning("payout %s refused: %s", payout.pk, reason)
    return payout


@transaction.atomic
def payout_request(*, wallet_id: int, token: Any, amount: int, actor: Any) -> Payout:
    """A payout of `amount` base units of `token` to the wallet; refused at once (and kept,
    with the reason) when the gate does not let it pass."""
    wallet = Wallet.objects.select_related("party", "chain").get(pk=wallet_id)
    if amount <= 0:
        raise ComplianceError(ComplianceErrorCode.PAYOUT_REFUSED, "a payout needs an amount > 0")
    if token.chain_id != wallet.chain_id:
        raise ComplianceError(
            ComplianceErrorCode.PAYOUT_REFUSED, "the token and the wallet are on different chains"
        )
    payout = Payout.objects.create(wallet=wallet, token=token, amount=amount, requested_by=actor)
    audit_record(
        action=AuditAction.COMPLIANCE_PAYOUT_REQUESTED,
        actor=actor,
        target=payout,
        after={"wallet": wallet.pk, "token": token.pk, "amount": amount},
    )
    refusal = gate.payout_refusal(wallet)
    return _refuse(payout, refusal, actor) if refusal else payout


def payout_send(*, payout_id: int, client: ChainClient, signer: Signer | None) -> Payout:
    """Sign and send a requested payout (the gate and the kill switch read again first)."""
    with transaction.atomic():
        payout = (
            Payout.objects.select_for_update(of=("self",))
            .select_related("wallet__party", "wallet__chain", "token")
            .get(pk=payout_id)
        )
        if payout.state != State.REQUESTED:
            return payout
        chain = payout.wallet.chain
        if signer is None:
            raise ComplianceError(
                ComplianceErrorCode.PAYOUT_REFUSED, "payouts need a signer (ARBX_SIGNER_KEY)"
            )
        if kill_switch_engaged(chain):
            return _refuse(payout, "kill switch engaged", None)
        refusal = gate.payout_refusal(payout.wallet)
        if refusal:
            return _refuse(payout, refusal, None)
        if not chain.executor_address:
            return _refuse(payout, "no executor contract is configured for the chain", None)
        nonce = nonce_reserve(chain=chain, address=signer.address, client=client)
        head = client.block("latest")
        tip = client.max_priority_fee()
        signed = signer.sign(
            transaction_fields(
                chain_id=chain.chain_id,
                nonce=nonce,
                to=to_checksum_address(chain.executor_address),
                data=withdraw_calldata(payout.token.address, payout.wallet.address, payout.amount),
                gas=WITHDRAW_GAS,
                max_fee=max_fee_per_gas(head.base_fee_per_gas, tip),
                tip=tip,
            )
        )
        payout.account, payout.nonce = signer.address, nonce
        payout.signed_tx, payout.tx_hash = "0x" + signed.raw.hex(), signed.hash
        payout.state = State.SUBMITTED
        payout.save()
        audit_record(
            action=AuditAction.COMPLIANCE_PAYOUT_SUBMITTED,
            target=payout,
            after={"state": payout.state, "tx_hash": payout.tx_hash, "nonce": nonce},
        )
    try:
        client.send_raw_transaction(payout.signed_tx)
    except ChainRpcError as exc:
        if "already known" not in str(exc).lower():
            raise
    return payout


@transaction.atomic
def payout_confirm(*, payout_id: int, client: ChainClient) -> Payout:
    """Book a sent payout's receipt: confirmed or failed (nothing yet: unchanged)."""
    payout = Payout.objects.select_for_update().get(pk=payout_id)
    if payout.state != State.SUBMITTED or not payout.tx_hash:
        return payout
    receipt = client.receipt(payout.tx_hash)
    if receipt is None:
        return payout
    ok = int(receipt["status"]) == 1
    payout.block_number = int(receipt["blockNumber"])
    payout.state = State.CONFIRMED if ok else State.FAILED
    payout.reason = "" if ok else "reverted on chain"
    payout.finished_at = timezone.now()
    payout.save()
    audit_record(
        action=AuditAction.COMPLIANCE_PAYOUT_FINISHED,
        target=payout,
        after={"state": payout.state, "block": payout.block_number},
    )
    return payout
