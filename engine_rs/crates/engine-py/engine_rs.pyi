"""ArbitrageX Plus engine: pool graph, cycle index and exact sizing, in Rust.

Amounts are Python ints (every amount is below 2**128; reserves at most 2**112 - 1).
Batches are columns: equal-length sequences of ints. Results are `Found` sequences of
tuples, built as they are read.
"""

from collections.abc import Sequence
from typing import TypeAlias, final

__all__ = [
    "FEE_DENOMINATOR",
    "MAX_RESERVE",
    "Engine",
    "EngineError",
    "Found",
    "FoundIter",
    "UnknownPoolError",
    "__version__",
]

__version__: str
MAX_RESERVE: int
FEE_DENOMINATOR: int

class EngineError(ValueError):
    """Bad input to the engine (every engine error is one of these)."""

class UnknownPoolError(EngineError):
    """A pool id the engine does not hold."""

# (profit, amount_in, start_token, pool_ids, token_path, amounts_out)
_OpportunityTuple: TypeAlias = tuple[
    int, int, int, tuple[int, ...], tuple[int, ...], tuple[int, ...]
]

@final
class Found:
    """The profitable cycles of one scan or update, best first; each tuple is built when read."""

    def __len__(self) -> int: ...
    def __getitem__(self, index: int) -> _OpportunityTuple: ...
    def __iter__(self) -> FoundIter: ...
    def profits(self) -> list[int]: ...

@final
class FoundIter:
    def __iter__(self) -> FoundIter: ...
    def __next__(self) -> _OpportunityTuple: ...

@final
class Engine:
    """The arbitrage engine: pools, the cycle index, exact sizing."""

    def __new__(
        cls,
        max_hops: int | None = None,
        hubs: Sequence[int] | None = None,
        default_max_input: int | None = None,
        default_min_profit: int | None = None,
    ) -> Engine: ...
    @property
    def max_hops(self) -> int: ...
    @property
    def hubs(self) -> list[int]: ...
    def upsert_pools(
        self,
        pool_ids: Sequence[int],
        token0s: Sequence[int],
        token1s: Sequence[int],
        reserve0s: Sequence[int],
        reserve1s: Sequence[int],
        fee_ppms: Sequence[int],
    ) -> None: ...
    def remove_pools(self, pool_ids: Sequence[int]) -> None: ...
    def update_reserves(
        self, pool_ids: Sequence[int], reserve0s: Sequence[int], reserve1s: Sequence[int]
    ) -> Found: ...
    def scan_all(self) -> Found: ...
    def quote(self, pool_ids: Sequence[int], token_in: int, amount_in: int) -> list[int]: ...
    def set_token_limits(
        self, token: int, max_input: int | None = None, min_profit: int | None = None
    ) -> None: ...
    def stats(self) -> dict[str, int]: ...
    def directed_cycles(self, hops: int) -> tuple[bytes, bytes]: ...
