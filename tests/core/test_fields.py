"""AmountField: exact on-chain integers in PostgreSQL's NUMERIC(78,0)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from arbitrage.models import Opportunity, Pool
from core.fields import INT256_MIN, UINT256_MAX, AmountField, to_exact_int
from tests.factories import OpportunityFactory, PoolFactory

pytestmark = pytest.mark.django_db


def test_it_uses_numeric_78_0_on_postgresql():
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT numeric_precision, numeric_scale FROM information_schema.columns "
            "WHERE table_name = 'arbitrage_pool' AND column_name = 'reserve0'"
        )
        assert cursor.fetchone() == (78, 0)


def test_it_round_trips_2_112_minus_1_and_uint256_extremes_exactly():
    pool = PoolFactory(reserve0=2**112 - 1, reserve1=1)
    pool.refresh_from_db()
    assert pool.reserve0 == 2**112 - 1
    assert type(pool.reserve0) is int
    opp = OpportunityFactory(amount_in=UINT256_MAX, gross_profit=INT256_MIN, net_profit=-1)
    opp.refresh_from_db()
    assert (opp.amount_in, opp.gross_profit, opp.net_profit) == (UINT256_MAX, INT256_MIN, -1)


def test_it_filters_and_orders_numerically():
    small = PoolFactory(reserve0=9)
    big = PoolFactory(reserve0=10**30)
    assert list(Pool.objects.filter(reserve0__gt=10).values_list("pk", flat=True)) == [big.pk]
    ordered = list(Pool.objects.order_by("reserve0").values_list("pk", flat=True))
    assert ordered == [small.pk, big.pk]


def test_it_refuses_floats_fractions_and_bools():
    for bad in (1.0, Decimal("1.5"), True, "1e18", "12a", ""):
        with pytest.raises(ValueError, match="not"):
            to_exact_int(bad)
    assert to_exact_int("1_000") == 1000
    assert to_exact_int(Decimal("42")) == 42
    assert to_exact_int(" -7 ") == -7


def test_it_validates_the_range_of_signed_and_unsigned_amounts():
    unsigned: AmountField[int, int] = AmountField()
    signed: AmountField[int, int] = AmountField(signed=True)
    with pytest.raises(ValidationError, match="out of range"):
        unsigned.clean(-1, None)
    with pytest.raises(ValidationError, match="out of range"):
        unsigned.clean(UINT256_MAX + 1, None)
    assert signed.clean(-5, None) == -5
    with pytest.raises(ValidationError, match="out of range"):
        signed.clean(INT256_MIN - 1, None)


def test_it_keeps_amounts_out_of_floats_in_opportunity_json():
    opp = OpportunityFactory(amounts_out=[str(2**200), "7"])
    opp.refresh_from_db()
    assert [int(x) for x in opp.amounts_out] == [2**200, 7]
    assert Opportunity.objects.get(pk=opp.pk).amount_in == 10**18
