"""Constraints hold in clean() and in the database alike."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from arbitrage.models import Pool, Token
from arbitrage.services.market import chain_get, pool_upsert, token_upsert
from tests.factories import ChainFactory, DexFactory, PoolFactory, TokenFactory, address_for

pytestmark = pytest.mark.django_db


def _error_fields(exc: pytest.ExceptionInfo[ValidationError]) -> set[str]:
    return set(exc.value.message_dict)


def test_it_rejects_an_invalid_address_naming_the_field():
    chain = ChainFactory()
    for bad in ("0x123", "not-an-address", "0xZZ" + "0" * 38):
        with pytest.raises(ValidationError) as exc:
            token_upsert(chain=chain, address=bad, symbol="X", decimals=18)
        assert _error_fields(exc) == {"address"}
    assert Token.objects.count() == 0


def test_it_rejects_a_mixed_case_address_with_a_bad_checksum():
    chain = ChainFactory()
    good = "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2"
    typo = good[:-1] + "c"
    with pytest.raises(ValidationError, match="checksum"):
        token_upsert(chain=chain, address=typo, symbol="WETH", decimals=18)
    token = token_upsert(chain=chain, address=good.lower(), symbol="WETH", decimals=18)
    assert token.address == good


@pytest.mark.parametrize("decimals", [-1, 256, 1000, "18", 1.5])
def test_it_rejects_decimals_out_of_range(decimals):
    with pytest.raises(ValidationError) as exc:
        token_upsert(chain=ChainFactory(), address=address_for(7), symbol="X", decimals=decimals)
    assert _error_fields(exc) == {"decimals"}


def test_the_database_refuses_decimals_above_255():
    token = TokenFactory()
    with pytest.raises(IntegrityError, match="token_decimals_range"), transaction.atomic():
        Token.objects.filter(pk=token.pk).update(decimals=256)


@pytest.mark.parametrize(
    ("reserve", "message"), [(-1, "negative"), ("1.5", "whole number"), (2**112, "2\\*\\*112")]
)
def test_it_rejects_bad_reserves_and_saves_nothing(reserve, message):
    dex = DexFactory()
    t0, t1 = TokenFactory(chain=dex.chain), TokenFactory(chain=dex.chain)
    with pytest.raises(ValidationError) as exc:
        pool_upsert(dex=dex, address=address_for(99), token0=t0, token1=t1, reserve0=reserve)
    assert re.search(message, " ".join(exc.value.message_dict["reserve0"]))
    assert Pool.objects.count() == 0


def test_the_database_refuses_negative_reserves():
    pool = PoolFactory()
    with pytest.raises(IntegrityError, match="pool_reserve1_nonneg"), transaction.atomic():
        Pool.objects.filter(pk=pool.pk).update(reserve1=-1)


def test_it_rejects_a_duplicate_pool_for_the_same_pair_and_dex():
    pool = PoolFactory()
    with pytest.raises(ValidationError, match="already exists"):
        pool_upsert(
            dex=pool.dex,
            address=address_for(0xDEAD),
            token0=pool.token0,
            token1=pool.token1,
        )
    with pytest.raises(IntegrityError, match="pool_unique_per_chain"), transaction.atomic():
        Pool.objects.create(
            chain=pool.chain,
            dex=DexFactory(chain=pool.chain),
            address=pool.address,
            token0=pool.token0,
            token1=pool.token1,
        )


def test_it_rejects_identical_or_misordered_tokens():
    dex = DexFactory()
    low = TokenFactory(chain=dex.chain, address=address_for(1))
    high = TokenFactory(chain=dex.chain, address=address_for(2))
    with pytest.raises(ValidationError) as exc:
        pool_upsert(dex=dex, address=address_for(50), token0=low, token1=low)
    assert "token1" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        pool_upsert(dex=dex, address=address_for(51), token0=high, token1=low)
    assert "token0" in exc.value.message_dict
    with pytest.raises(IntegrityError, match="pool_tokens_distinct"), transaction.atomic():
        Pool.objects.create(
            chain=dex.chain, dex=dex, address=address_for(52), token0=low, token1=low
        )
    assert Pool.objects.count() == 0


def test_it_rejects_tokens_from_another_chain():
    dex = DexFactory()
    other = ChainFactory()
    t0 = TokenFactory(chain=other, address=address_for(1))
    t1 = TokenFactory(chain=other, address=address_for(2))
    with pytest.raises(ValidationError, match="chain"):
        pool_upsert(dex=dex, address=address_for(60), token0=t0, token1=t1)


def test_it_names_an_unknown_chain():
    with pytest.raises(ValidationError) as exc:
        chain_get(chain_id=424242)
    assert "unknown chain 424242" in exc.value.message_dict["chain_id"][0]


def test_upsert_refreshes_reserves_of_an_existing_pool():
    pool = PoolFactory(reserve0=1, reserve1=2)
    again = pool_upsert(
        dex=pool.dex,
        address=pool.address.lower(),
        token0=pool.token0,
        token1=pool.token1,
        reserve0=10,
        reserve1=20,
        block_number=77,
    )
    assert again.pk == pool.pk
    pool.refresh_from_db()
    assert (pool.reserve0, pool.reserve1, pool.last_synced_block) == (10, 20, 77)
