"""The snapshot loader: real mainnet pairs in, all or nothing, safe to run twice."""

from __future__ import annotations

import copy
import json

import pytest
from django.core.management import CommandError, call_command

from arbitrage.models import Pool, Token
from arbitrage.services.snapshot import WETH_MAINNET, read_snapshot, select_most_liquid

pytestmark = pytest.mark.django_db

GOOD = {
    "index": 0,
    "address": "0xB4e16d0168e52d35CaCD2c6185b44281Ec28C9Dc",
    "token0": {
        "address": "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48",
        "symbol": "USDC",
        "decimal": 6,
    },
    "token1": {"address": WETH_MAINNET, "symbol": "WETH", "decimal": 18},
    "reserve0": "41000000000000",
    "reserve1": "70000000000000000000000",
}


@pytest.fixture
def mainnet():
    call_command("seed_demo", top=1)  # creates the chain and the DEX with one real pair


def _write(tmp_path, entries):
    path = tmp_path / "pairs.json"
    path.write_text(json.dumps(entries))
    return path


def test_seed_loads_the_most_liquid_real_pairs_and_is_safe_twice(snapshot_path):
    call_command("seed_demo")
    pools, tokens = Pool.objects.count(), Token.objects.count()
    assert pools >= 10
    assert Token.objects.filter(symbol="WETH", decimals=18).exists()
    assert Token.objects.filter(decimals=6).exists()  # USDC / USDT
    assert Token.objects.filter(decimals=8).exists()  # WBTC
    call_command("seed_demo")
    assert (Pool.objects.count(), Token.objects.count()) == (pools, tokens)


def test_seeded_reserves_equal_the_snapshot_exactly(snapshot_path):
    call_command("seed_demo")
    by_address = {e["address"].lower(): e for e in read_snapshot(snapshot_path)}
    for pool in Pool.objects.all():
        entry = by_address[pool.address.lower()]
        assert (pool.reserve0, pool.reserve1) == (int(entry["reserve0"]), int(entry["reserve1"]))


def test_select_most_liquid_ranks_by_weth_reserve(snapshot_path):
    chosen = select_most_liquid(read_snapshot(snapshot_path), top=3)
    weth_reserves = []
    for entry in chosen[:3]:
        side = (
            "reserve0" if entry["token0"]["address"].lower() == WETH_MAINNET.lower() else "reserve1"
        )
        weth_reserves.append(int(entry[side]))
    assert weth_reserves == sorted(weth_reserves, reverse=True)


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda e: e.update(address="0x1234"), "pair #0.address"),
        (lambda e: e["token0"].update(address="0xnothex"), "pair #0.token0.address"),
        (lambda e: e.update(reserve0="-5"), "pair #0.reserve0"),
        (lambda e: e.update(reserve1="1.5"), "pair #0.reserve1"),
        (lambda e: e.update(reserve1=1.5), "pair #0.reserve1"),
        (lambda e: e["token1"].update(decimal=300), "pair #0.token1.decimal"),
        (lambda e: e.pop("reserve0"), "missing field 'reserve0'"),
    ],
)
def test_bad_entries_are_rejected_naming_the_field_and_nothing_is_saved(
    tmp_path, mainnet, mutate, field
):
    before = (Pool.objects.count(), Token.objects.count())
    fine = copy.deepcopy(GOOD)
    fine["index"], fine["address"] = 1, "0x0000000000000000000000000000000000000001"
    bad = copy.deepcopy(GOOD)
    mutate(bad)
    path = _write(tmp_path, [fine, bad])
    with pytest.raises(CommandError, match="nothing was loaded") as exc:
        call_command("load_pools", file=path, chain_id=1, dex="Uniswap V2")
    assert field in str(exc.value)
    assert (Pool.objects.count(), Token.objects.count()) == before


def test_a_duplicate_pool_in_the_file_is_rejected(tmp_path, mainnet):
    before = Pool.objects.count()
    second = copy.deepcopy(GOOD)
    second["index"] = 1
    with pytest.raises(CommandError, match="duplicate pool"):
        call_command(
            "load_pools", file=_write(tmp_path, [GOOD, second]), chain_id=1, dex="Uniswap V2"
        )
    assert Pool.objects.count() == before


def test_an_unknown_chain_or_dex_is_named(tmp_path, mainnet):
    path = _write(tmp_path, [GOOD])
    with pytest.raises(CommandError, match="unknown chain 5"):
        call_command("load_pools", file=path, chain_id=5, dex="Uniswap V2")
    with pytest.raises(CommandError, match="unknown DEX 'Sushi'"):
        call_command("load_pools", file=path, chain_id=1, dex="Sushi")


def test_a_missing_or_broken_file_is_named(tmp_path, mainnet):
    with pytest.raises(CommandError, match="no such file"):
        call_command("load_pools", file=tmp_path / "nope.json", chain_id=1, dex="Uniswap V2")
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(CommandError, match="not valid JSON"):
        call_command("load_pools", file=broken, chain_id=1, dex="Uniswap V2")
