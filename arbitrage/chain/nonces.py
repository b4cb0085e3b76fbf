"""The nonce manager: one row per (chain, account), locked while a nonce is handed out.

The next nonce is the larger of what the node counts (pending) and one past the highest
nonce of our own transactions still in flight; a trade that was dropped unsent gives its
nonce back simply by no longer being in flight.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max

from arbitrage.chain.client import ChainClient
from arbitrage.models import AccountNonce, Chain, Trade

IN_FLIGHT = (Trade.State.SIGNED, Trade.State.SUBMITTED)


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
    highest = Trade.objects.filter(
        opportunity__chain=chain, account=address, state__in=IN_FLIGHT
    ).aggregate(highest=Max("nonce"))["highest"]
    nonce = max(pending, (highest + 1) if highest is not None else 0)
    row.next_nonce = nonce + 1
    row.save(update_fields=["next_nonce", "updated_at"])
    return nonce
