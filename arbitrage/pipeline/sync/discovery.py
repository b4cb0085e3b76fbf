"""Discovery: new pools from the factories' PairCreated logs, with their tokens."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from eth_utils.address import to_checksum_address
from hexbytes import HexBytes

from arbitrage.chain import abi
from arbitrage.chain.client import ChainClient
from arbitrage.models import Chain, Dex, Pool, Token
from arbitrage.pipeline.sync.logs import topic0
from arbitrage.pipeline.sync.tokens import token_metadata, token_register, tokens_probe
from arbitrage.services.market import pool_upsert


def _address_from_topic(value: Any) -> str:
    return str(to_checksum_address("0x" + bytes(HexBytes(value))[-20:].hex()))


def pools_discover(*, chain: Chain, client: ChainClient, dex: Dex, to_block: int) -> list[Pool]:
    """Backfill: read a DEX's PairCreated logs from where its discovery stopped."""
    start = (dex.discovered_to_block + 1) if dex.discovered_to_block is not None else 0
    if start > to_block:
        return []
    logs = client.get_logs(
        address=dex.factory_address,
        topics=[abi.PAIR_CREATED],
        from_block=start,
        to_block=to_block,
        max_range=settings.ARBX_LOG_RANGE,
    )
    return pools_register(chain=chain, client=client, dex=dex, logs=logs, to_block=to_block)


def pools_register(
    *, chain: Chain, client: ChainClient, dex: Dex, logs: list[Any], to_block: int
) -> list[Pool]:
    """Register the pools of a DEX's PairCreated logs, with their tokens, up to `to_block`."""
    created = []
    for log in logs:
        token0 = _address_from_topic(log["topics"][1])
        token1 = _address_from_topic(log["topics"][2])
        pair = str(to_checksum_address("0x" + bytes(log["data"])[12:32].hex()))
        created.append((pair, token0, token1, int(log["blockNumber"])))
    pools = []
    if created:
        unknown = sorted(
            {t for _, t0, t1, _ in created for t in (t0, t1)}
            - set(Token.objects.filter(chain=chain).values_list("address", flat=True))
        )
        meta = token_metadata(client, unknown, to_block) if unknown else {}
        for pair, token0, token1, block in created:
            if Pool.objects.filter(chain=chain, address=pair).exists():
                continue
            pool = pool_upsert(
                dex=dex,
                address=pair,
                token0=token_register(chain, token0, meta.get(token0, {})),
                token1=token_register(chain, token1, meta.get(token1, {})),
            )
            pool.created_block = block
            pool.last_synced_block = None
            pool.save(update_fields=["created_block", "last_synced_block", "updated_at"])
            pools.append(pool)
        new_tokens = set(unknown)
        tokens_probe(
            chain,
            client,
            [p for p in pools if {p.token0.address, p.token1.address} & new_tokens],
            to_block,
        )
    dex.discovered_to_block = to_block
    dex.save(update_fields=["discovered_to_block", "updated_at"])
    return pools


def pairs_created(logs: list[Any], dexes: list[Dex]) -> dict[Dex, list[Any]]:
    """The PairCreated logs among these, by the DEX whose factory emitted them."""
    by_factory = {d.factory_address.lower(): d for d in dexes}
    created: dict[Dex, list[Any]] = {}
    for log in logs:
        dex = by_factory.get(str(log["address"]).lower())
        if dex is not None and topic0(log) == abi.PAIR_CREATED:
            created.setdefault(dex, []).append(log)
    return created
