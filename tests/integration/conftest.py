"""Integration fixtures: a real anvil with the real Uniswap V2 contracts and our executor.

One anvil and one deployed market serve the whole session; every test runs between an
`evm_snapshot` and an `evm_revert`, so each one starts from the same chain state.
"""

from __future__ import annotations

import pytest
from web3 import Web3

from arbitrage.chain.client import ChainClient
from arbitrage.localnet.anvil import DEV_ACCOUNTS, DEV_KEYS, Anvil
from arbitrage.localnet.market import Deployer, LocalMarket, deploy_market, market_register
from arbitrage.models import Chain
from arbitrage.pipeline import loop as pipeline
from arbitrage.pipeline.lane.fastlane import FastLane
from tests.conftest import SNAPSHOT
from tests.integration.pipeline_helpers import reset_process_caches, settle

pytestmark = pytest.mark.integration


@pytest.fixture(scope="session")
def anvil():
    with Anvil() as node:
        yield node


@pytest.fixture(scope="session")
def w3(anvil) -> Web3:
    return Web3(Web3.HTTPProvider(anvil.url))


@pytest.fixture(scope="session")
def market(anvil, w3) -> LocalMarket:
    return deploy_market(
        w3, deployer=DEV_ACCOUNTS[0], snapshot=SNAPSHOT, executor_owner=DEV_ACCOUNTS[0]
    )


@pytest.fixture
def fresh_chain(anvil, market):
    """Chain state as deployed, restored after the test. A transaction a test left pending (with
    automine off) is dropped and automine restored first: with one left pending, the next test's
    `eth_call`s now and then ran at the old chain's block number (DeadlinePassed(190, 207))."""
    snapshot = anvil.rpc("evm_snapshot")
    yield anvil
    anvil.rpc("anvil_dropAllTransactions")
    anvil.rpc("evm_setAutomine", True)
    anvil.rpc("evm_revert", snapshot)


@pytest.fixture
def deployer(w3) -> Deployer:
    return Deployer(w3, DEV_ACCOUNTS[0])


@pytest.fixture
def trader(w3) -> Deployer:
    """Another market participant (not the bot's account) who moves prices."""
    return Deployer(w3, DEV_ACCOUNTS[1])


@pytest.fixture
def client(anvil) -> ChainClient:
    return ChainClient(anvil.url, timeout=10)


def register_local_chain(anvil: Anvil, market: LocalMarket) -> Chain:
    """The local market's chain, its trades booked at depth 1 (anvil mines a block per
    transaction: these tests count blocks one by one); the finality tests set the depth."""
    from arbitrage.services.control import control_for

    chain = market_register(market, rpc_url=anvil.url)
    control = control_for(chain=chain)
    control.confirmations = 1
    control.save(update_fields=["confirmations"])
    return chain


@pytest.fixture
def local_chain(db, fresh_chain, market) -> Chain:
    return register_local_chain(fresh_chain, market)


@pytest.fixture
def live(settings, monkeypatch):
    """Live execution with anvil's public development key (development only)."""
    settings.ARBX_EXECUTION_MODE = "live"
    monkeypatch.setenv("ARBX_SIGNER_KEY", DEV_KEYS[0])
    reset_process_caches()
    yield
    reset_process_caches()


@pytest.fixture
def lane(local_chain, live):
    """The watcher's fast lane on a market traded out first: a test's mispricing is all there
    is to trade."""
    from arbitrage.services import config_bus

    settle(local_chain)
    yield FastLane(chain=local_chain, ctx=pipeline.execution_context(local_chain))
    config_bus.stop()  # its poll thread's connection must not outlive the test database
