"""One chain client per chain per process, checked against the Chain row when first made."""

from __future__ import annotations

import threading

from django.conf import settings

from arbitrage.chain.client import ChainClient
from arbitrage.models import Chain

_clients: dict[int, ChainClient] = {}
_lock = threading.Lock()


def client_for_chain(chain: Chain) -> ChainClient:
    with _lock:
        client = _clients.get(chain.pk)
        if client is None:
            url = chain.rpc_urls[0] if chain.rpc_urls else settings.ARBX_RPC_URL
            client = ChainClient(url, timeout=settings.ARBX_RPC_TIMEOUT)
            client.check_chain_id(chain.chain_id)
            _clients[chain.pk] = client
        return client


def client_for_chain_pk(pk: int) -> ChainClient:
    """The client of the chain with this primary key; the row is read only to make it."""
    with _lock:
        client = _clients.get(pk)
    return client if client is not None else client_for_chain(Chain.objects.get(pk=pk))


def clients_reset() -> None:
    with _lock:
        _clients.clear()
