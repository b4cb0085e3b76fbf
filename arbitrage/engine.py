"""The one module that imports the Rust engine (`engine_rs`): typed results for the rest of
the product. Amounts are Python ints; ids are the database's pool and token primary keys.

The engine keeps the token graph of the pools it is given, an index of every cycle (all 2- and
3-hop cycles, 4-hop cycles through a hub), and sizes cycles exactly with the on-chain formula:
every `CycleOpportunity` is what the chain would pay, to the wei, at the engine's reserves.
Profit is in the start token's base units; a cycle through a hub starts at its first hub.
Errors are `EngineError` (a `ValueError`); an unknown pool id is `UnknownPoolError`.

This module holds no Django imports: it is plain Python over the compiled module.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import NamedTuple, overload

import engine_rs

EngineError = engine_rs.EngineError
UnknownPoolError = engine_rs.UnknownPoolError
MAX_RESERVE: int = engine_rs.MAX_RESERVE  # 2**112 - 1, a Uniswap V2 reserve's bound
FEE_DENOMINATOR: int = engine_rs.FEE_DENOMINATOR  # fees are in parts per million
UNISWAP_V2_FEE_PPM = 3000


class PoolState(NamedTuple):
    """One pool as the engine sees it (a plain 6-tuple is accepted as well)."""

    pool_id: int
    token0: int
    token1: int
    reserve0: int
    reserve1: int
    fee_ppm: int = UNISWAP_V2_FEE_PPM


PoolRow = tuple[int, int, int, int, int, int]  # pool, token0, token1, reserve0, reserve1, fee_ppm


class CycleOpportunity(NamedTuple):
    """A profitable cycle sized exactly: what the chain pays, to the wei, at these reserves.

    A named tuple, so that building thousands of them stays cheap."""

    profit: int  # amounts_out[-1] - amount_in, in start-token base units
    amount_in: int
    start_token: int
    pools: tuple[int, ...]  # in trading order
    tokens: tuple[int, ...]  # len(pools) + 1 tokens, from start_token back to it
    amounts_out: tuple[int, ...]  # each hop's output

    @property
    def hops(self) -> int:
        return len(self.pools)

    @property
    def amount_out(self) -> int:
        return self.amounts_out[-1]


@dataclass(frozen=True, slots=True)
class EngineStats:
    pools: int
    tokens: int
    cycles_2: int  # directed cycles by hop count
    cycles_3: int
    cycles_4: int
    directed_cycles: int
    index_bytes: int  # cycle tables, pool -> cycle map and de-duplication stamps

    @property
    def bytes_per_cycle(self) -> float:
        return self.index_bytes / self.directed_cycles if self.directed_cycles else 0.0


class Opportunities(Sequence[CycleOpportunity]):
    """The profitable cycles of one scan or update, best first: all sized exactly in Rust, each
    `CycleOpportunity` built only when it is read (a scan of junk pools can return tens of
    thousands of cycles, of which a caller usually reads the best few). Compares equal to
    any sequence of the same opportunities, a list included."""

    __slots__ = ("_found",)

    def __init__(self, found: engine_rs.Found | None = None) -> None:
        self._found = found

    def __len__(self) -> int:
        return 0 if self._found is None else len(self._found)

    @overload
    def __getitem__(self, index: int) -> CycleOpportunity: ...

    @overload
    def __getitem__(self, index: slice) -> list[CycleOpportunity]: ...

    def __getitem__(self, index: int | slice) -> CycleOpportunity | list[CycleOpportunity]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if self._found is None:
            raise IndexError(f"index {index} out of range for 0 opportunities")
        return _NEW(CycleOpportunity, self._found[index])

    def __iter__(self) -> Iterator[CycleOpportunity]:
        if self._found is None:
            return iter(())
        # The engine's rows have exactly the six fields: skip `_make`'s length check.
        return (_NEW(CycleOpportunity, row) for row in self._found)

    def profits(self) -> list[int]:
        """Every profit, best first, without building the opportunities."""
        return [] if self._found is None else self._found.profits()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<Opportunities: {len(self)}>"


_NEW = tuple.__new__


class ArbitrageEngine:
    """Pools in, ranked exact opportunities out. Not thread-safe: one per worker process.

    `max_hops` is 2, 3 or 4; `hubs` are token ids, highest priority first (4-hop cycles must
    pass through one; profit is measured at the first hub of a cycle). `default_max_input`
    caps a cycle's input and `default_min_profit` (>= 1) drops smaller profits; both are in
    start-token base units and can be set per token with `set_token_limits`.
    """

    def __init__(
        self,
        *,
        max_hops: int = 3,
        hubs: Sequence[int] = (),
        default_max_input: int | None = None,
        default_min_profit: int | None = None,
    ) -> None:
        self._engine = engine_rs.Engine(
            max_hops=max_hops,
            hubs=list(hubs),
            default_max_input=default_max_input,
            default_min_profit=default_min_profit,
        )

    @property
    def max_hops(self) -> int:
        return self._engine.max_hops

    @property
    def hubs(self) -> list[int]:
        return self._engine.hubs

    def upsert_pools(self, rows: Iterable[PoolRow | PoolState]) -> None:
        """Inserts or replaces pools; the whole batch is checked before anything changes.

        A new pool or a change of tokens rebuilds the cycle index lazily (on the next scan);
        reserves and fees do not. A zero reserve is accepted: its cycles are skipped.
        """
        rows = list(rows)
        if not rows:
            return
        ids, t0, t1, r0, r1, fees = (list(column) for column in zip(*rows, strict=True))
        self._engine.upsert_pools(ids, t0, t1, r0, r1, fees)

    def remove_pools(self, pool_ids: Iterable[int]) -> None:
        """Removes pools (all must be known) and every cycle through them."""
        self._engine.remove_pools(list(pool_ids))

    def update_reserves(
        self, pool_ids: Sequence[int], reserve0s: Sequence[int], reserve1s: Sequence[int]
    ) -> Opportunities:
        """Sets reserves; returns the profitable cycles through any of these pools, best first."""
        if not pool_ids:
            return Opportunities()
        ids, r0s, r1s = list(pool_ids), list(reserve0s), list(reserve1s)
        return Opportunities(self._engine.update_reserves(ids, r0s, r1s))

    def scan_all(self) -> Opportunities:
        """Evaluates every cycle; returns the profitable ones, highest profit first."""
        return Opportunities(self._engine.scan_all())

    def quote(self, pool_ids: Sequence[int], token_in: int, amount_in: int) -> list[int]:
        """Each hop's exact output along `pool_ids`, starting with `amount_in` of `token_in`."""
        return list(self._engine.quote(list(pool_ids), token_in, amount_in))

    def set_token_limits(
        self, token: int, *, max_input: int | None = None, min_profit: int | None = None
    ) -> None:
        """Largest input and smallest reported profit of cycles starting at `token`."""
        self._engine.set_token_limits(token, max_input=max_input, min_profit=min_profit)

    def stats(self) -> EngineStats:
        return EngineStats(**self._engine.stats())

    def directed_cycles(self, hops: int) -> tuple[bytes, bytes]:
        """Every directed cycle of `hops` hops: pool ids as little-endian u64 (`hops` per
        cycle), and one byte per cycle whose bit i is set when hop i sells token0."""
        return self._engine.directed_cycles(hops)
