"""Choose: which of a scan's opportunities to trade now, given our trades in flight.

The rule itself is `rules.choose` (the fast lane plans with it too); this module reads what
it needs through the ORM.
"""

from __future__ import annotations

from collections.abc import Collection

from arbitrage.models import Trade
from arbitrage.pipeline.rules import (
    IN_FLIGHT_FIELDS,
    IN_FLIGHT_STATES,
    InFlight,
    holding,
    in_flight_of,
)


def in_flight_trades(chain_id: int) -> list[InFlight]:
    """Our trades in flight on the chain (mined or not), as they are now."""
    return in_flight_of(
        Trade.objects.filter(
            opportunity__chain_id=chain_id, state__in=IN_FLIGHT_STATES
        ).values_list(*IN_FLIGHT_FIELDS)
    )


def in_flight_paths(chain_id: int, mined: Collection[str] = ()) -> list[list[int]]:
    """Pool paths of our trades that hold their pools (sent, not mined: a mined one, waiting
    only for its confirmations, is already in the reserves we read; `mined` names those the
    sync has seen mined but may not have marked yet)."""
    return [t.pool_path for t in holding(in_flight_trades(chain_id), mined)]
