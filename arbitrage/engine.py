"""The one module that imports the Rust engine (`engine_rs`): typed results for the rest of
the product. Amounts are Python ints; ids are the database's pool and token primary keys."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import engine_rs

EngineError = engine_rs.EngineError
UnknownPoolError = engine_rs.UnknownPoolError

PoolRow = tuple[int, int, int, int, int, int]  # pool, token0, token1, reserve0, reserve1, fee_ppm


@dataclass(frozen=True, slots=True)
class CycleOpportunity:
    """A profitable cycle sized exactly: what the chain pays, to the wei, at these reserves."""

    profit: int
    amount_in: int
    start_token: int
    pools: tuple[int, ...]
    tokens: tuple[int, ...]
    amounts_out: tuple[int, ...]


def _typed(
    found: Iterable[tuple[int, int, int, tuple[int, ...], tuple[int, ...], tuple[int, ...]]],
) -> list[CycleOpportunity]:
    return [CycleOpportunity(*row) for row in found]


class ArbitrageEngine:
    def __init__(self, *, max_hops: int = 3, hubs: Sequence[int] = ()) -> None:
        self._engine = engine_rs.Engine(max_hops=max_hops, hubs=list(hubs))

    def upsert_pools(self, rows: Sequence[PoolRow]) -> None:
        if not rows:
            return
        ids, t0, t1, r0, r1, fees = (list(column) for column in zip(*rows, strict=True))
        self._engine.upsert_pools(ids, t0, t1, r0, r1, fees)

    def remove_pools(self, pool_ids: Sequence[int]) -> None:
        self._engine.remove_pools(list(pool_ids))

    def update_reserves(
        self, pool_ids: Sequence[int], reserve0s: Sequence[int], reserve1s: Sequence[int]
    ) -> list[CycleOpportunity]:
        if not pool_ids:
            return []
        return _typed(
            self._engine.update_reserves(list(pool_ids), list(reserve0s), list(reserve1s))
        )

    def scan_all(self) -> list[CycleOpportunity]:
        return _typed(self._engine.scan_all())

    def quote(self, pool_ids: Sequence[int], token_in: int, amount_in: int) -> list[int]:
        return list(self._engine.quote(list(pool_ids), token_in, amount_in))

    def set_token_limits(
        self, token: int, *, max_input: int | None = None, min_profit: int | None = None
    ) -> None:
        self._engine.set_token_limits(token, max_input=max_input, min_profit=min_profit)

    def stats(self) -> dict[str, int]:
        return dict(self._engine.stats())
