"""The nonce manager: one row per (chain, account), locked while a nonce is handed out.

The next nonce is the rule's (`rules.next_nonce`): the larger of what the node counts
(pending) and one past the highest nonce of our own transactions still in flight; a trade
that was dropped unsent gives its nonce back simply by no longer being in flight.
"""

from __future__ import annotations

from django.db import transaction

from arbitrage.chain.client import ChainClient
from arbitrage.models import AccountNonce, Chain
from arbitrage.pipeline.choose import in_flight_trades
from arbitrage.pipeline.rules import next_nonce, nonce_after


def nonce_lock(*, chain: Chain, address: str) -> AccountNonce:
    """The account's nonce row (made on first use), locked until the transaction ends. Lock
    order: the nonce row before the audit log's append lock, in every transaction that takes
    both (a signing step records its audit row after reserving the nonce)."""
    row = AccountNonce.objects.select_for_update().filter(chain=chain, address=address).first()
    if row is None:
        AccountNonce.objects.get_or_create(chain=chain, address=address)
        row = AccountNonce.objects.select_for_update().get(chain=chain, address=address)
    return row


@transaction.atomic(savepoint=False)
def nonce_reserve(
    *, chain: Chain, address: str, client: ChainClient, pending: int | None = None
) -> int:
    """The next nonce for `address`; `pending` is the node's pending count when the caller
    has just read it (in a batch with other reads), else it is read here."""
    row = nonce_lock(chain=chain, address=address)
    if pending is None:
        pending = client.transaction_count(address, "pending")
    nonce = next_nonce(pending, in_flight_trades(chain.pk), address)
    row.next_nonce = nonce_after(nonce)
    row.save(update_fields=["next_nonce", "updated_at"])
    return nonce
