"""One chain client per chain per process, over every one of the chain's RPC URLs (failover in
their order, see resilience.py), checked against the Chain row when first made.

`clients_reset` (run on every configuration change) retires the clients: the next use reads
the chain's row again, and a retired client whose endpoints, chain and policy are unchanged is
taken back as it was (its circuits and the heads it has seen kept, no new connections, no
check), so an unrelated change costs the hot path nothing and a changed RPC endpoint list
takes effect at once."""

from __future__ import annotations

import threading

from django.conf import settings

from arbitrage.chain.client import ChainClient
from arbitrage.chain.resilience import policy_from_settings
from arbitrage.models import Chain

_clients: dict[int, ChainClient] = {}
_retired: dict[int, ChainClient] = {}
_lock = threading.Lock()


def _still_fits(client: ChainClient | None, chain: Chain, urls: list[str]) -> bool:
    return (
        client is not None
        and [e.url for e in client.endpoints] == urls
        and client.expected_chain == chain.chain_id
        and client.timeout == settings.ARBX_RPC_TIMEOUT
        and client.policy == policy_from_settings()
    )


def client_for_chain(chain: Chain) -> ChainClient:
    with _lock:
        client = _clients.get(chain.pk)
        if client is None:
            urls = list(chain.rpc_urls or []) or [settings.ARBX_RPC_URL]
            retired = _retired.pop(chain.pk, None)
            if retired is not None and _still_fits(retired, chain, urls):
                client = retired
            else:
                client = ChainClient(
                    urls, timeout=settings.ARBX_RPC_TIMEOUT, policy=policy_from_settings()
                )
                client.check_chain_id(chain.chain_id)
                client.probe_soon()  # every endpoint's head known before the first trade
            _clients[chain.pk] = client
        return client


def client_for_chain_pk(pk: int) -> ChainClient:
    """The client of the chain with this primary key; the row is read only to make it."""
    with _lock:
        client = _clients.get(pk)
    return client if client is not None else client_for_chain(Chain.objects.get(pk=pk))


def clients_reset(*, forget: bool = False) -> None:
    """Retire every client (see the module's docstring); `forget`: drop them for good."""
    with _lock:
        if forget:
            _retired.clear()
        else:
            _retired.update(_clients)
        _clients.clear()
