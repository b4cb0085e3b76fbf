"""Deploy a local market on anvil: the real Uniswap V2 Factory, Router02 and WETH9 from npm,
a second Factory (a second DEX, for parallel pools), development tokens with the real
symbols and decimals, pairs seeded with real reserves from the mainnet snapshot, and our
executor contract.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from math import isqrt
from pathlib import Path
from typing import Any

from eth_utils.address import to_checksum_address
from web3 import Web3

from arbitrage.chain.artifacts import Artifact, executor, forge, uniswap
from arbitrage.models import Chain
from arbitrage.services.market import chain_upsert, dex_upsert
from arbitrage.services.snapshot import (
    WETH_MAINNET,
    SnapshotPair,
    parse_pair,
    read_snapshot,
    select_most_liquid,
)

logger = logging.getLogger(__name__)

MINIMUM_LIQUIDITY = 1000


@dataclass
class LocalToken:
    symbol: str
    decimals: int
    address: str


@dataclass
class LocalPair:
    dex: str
    address: str
    token0: str
    token1: str


@dataclass
class LocalMarket:
    deployer: str
    weth: str
    factories: dict[str, str]
    router: str
    tokens: dict[str, LocalToken] = field(default_factory=dict)  # by real mainnet address
    pairs: list[LocalPair] = field(default_factory=list)
    executor: str = ""

    def token_by_symbol(self, symbol: str) -> LocalToken:
        return next(t for t in self.tokens.values() if t.symbol == symbol)


def _dev_token() -> Artifact:
    return forge("DevToken")


class Deployer:
    """Sends transactions from an anvil-unlocked development account and waits for them."""

    def __init__(self, w3: Web3, account: str) -> None:
        self.w3 = w3
        self.account = to_checksum_address(account)

    def wait(self, tx_hash: Any) -> Any:
        receipt = self.w3.eth.wait_for_transaction_receipt(tx_hash, timeout=60, poll_latency=0.05)
        if receipt["status"] != 1:
            raise RuntimeError(f"transaction {tx_hash.hex()} reverted")
        return receipt

    def deploy(self, artifact: Artifact, *args: Any) -> str:
        contract = self.w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
        receipt = self.wait(contract.constructor(*args).transact({"from": self.account}))
        return str(receipt["contractAddress"])

    def contract(self, artifact: Artifact, address: str) -> Any:
        return self.w3.eth.contract(address=to_checksum_address(address), abi=artifact.abi)

    def transact(self, fn: Any, value: int = 0) -> Any:
        return self.wait(fn.transact({"from": self.account, "value": value}))


def _local_pairs(snapshot: Path, top: int) -> list[SnapshotPair]:
    pairs = []
    for raw in select_most_liquid(read_snapshot(snapshot), top=top):
        pair = parse_pair(raw)
        if isqrt(pair.reserve0 * pair.reserve1) > 10 * MINIMUM_LIQUIDITY:
            pairs.append(pair)
    return pairs


def deploy_market(
    w3: Web3,
    *,
    deployer: str,
    snapshot: Path,
    top: int = 11,
    parallel: int = 4,
    executor_owner: str | None = None,
) -> LocalMarket:
    """Deploy everything; `parallel` of the WETH pairs also get a twin on the second DEX."""
    d = Deployer(w3, deployer)
    weth = d.deploy(uniswap("WETH9"))
    factories = {
        "Uniswap V2": d.deploy(uniswap("UniswapV2Factory"), d.account),
        "Uniswap V2 (second)": d.deploy(uniswap("UniswapV2Factory"), d.account),
    }
    router = d.deploy(uniswap("UniswapV2Router02"), factories["Uniswap V2"], weth)
    market = LocalMarket(deployer=d.account, weth=weth, factories=factories, router=router)

    snapshot_pairs = _local_pairs(snapshot, top)
    token_artifact = _dev_token()
    weth_mainnet = to_checksum_address(WETH_MAINNET)
    for pair in snapshot_pairs:
        for token in (pair.token0, pair.token1):
            if token.address in market.tokens:
                continue
            if token.address == weth_mainnet:
                local = weth
            else:
                local = d.deploy(token_artifact, token.symbol, token.symbol, token.decimals)
            market.tokens[token.address] = LocalToken(token.symbol, token.decimals, local)

    twins = [p for p in snapshot_pairs if weth_mainnet in (p.token0.address, p.token1.address)]
    twins = twins[:parallel]
    for dex, pairs, scale in (
        ("Uniswap V2", snapshot_pairs, 1),
        ("Uniswap V2 (second)", twins, 2),
    ):
        for pair in pairs:
            local0 = market.tokens[pair.token0.address].address
            local1 = market.tokens[pair.token1.address].address
            amounts = {local0: pair.reserve0 // scale, local1: pair.reserve1 // scale}
            market.pairs.append(create_pair(d, market, factories[dex], dex=dex, amounts=amounts))
    if executor_owner is not None:
        market.executor = d.deploy(executor(), to_checksum_address(executor_owner))
    logger.info(
        "local market: %s tokens, %s pairs on %s DEXes",
        len(market.tokens),
        len(market.pairs),
        len(factories),
    )
    return market


def fund(d: Deployer, market: LocalMarket, token: str, to: str, amount: int) -> None:
    """Give `to` `amount` of a local token (WETH is wrapped from the deployer's ether)."""
    if to_checksum_address(token) == to_checksum_address(market.weth):
        weth = d.contract(uniswap("WETH9"), market.weth)
        d.transact(weth.functions.deposit(), value=amount)
        if to_checksum_address(to) != d.account:
            d.transact(weth.functions.transfer(to_checksum_address(to), amount))
    else:
        d.transact(d.contract(_dev_token(), token).functions.mint(to_checksum_address(to), amount))


def create_pair(
    d: Deployer, market: LocalMarket, factory_address: str, *, dex: str, amounts: dict[str, int]
) -> LocalPair:
    factory = d.contract(uniswap("UniswapV2Factory"), factory_address)
    token_a, token_b = (to_checksum_address(a) for a in amounts)
    d.transact(factory.functions.createPair(token_a, token_b))
    address = factory.functions.getPair(token_a, token_b).call()
    for token, amount in ((token_a, amounts[token_a]), (token_b, amounts[token_b])):
        fund(d, market, token, address, amount)
    d.transact(d.contract(uniswap("UniswapV2Pair"), address).functions.mint(d.account))
    token0, token1 = sorted((token_a, token_b), key=lambda a: int(a, 16))
    return LocalPair(dex=dex, address=str(address), token0=token0, token1=token1)


def swap_exact_in(
    d: Deployer,
    market: LocalMarket,
    pair: LocalPair,
    *,
    token_in: str,
    amount_in: int,
    slippage_bps: int = 0,
) -> int:
    """Swap directly on a pair (as the market does): move the price of one pool. With
    `slippage_bps`, ask for that much less than the quote, in case the pool moves first."""
    contract = d.contract(uniswap("UniswapV2Pair"), pair.address)
    reserve0, reserve1, _ = contract.functions.getReserves().call()
    zero_for_one = to_checksum_address(token_in) == to_checksum_address(pair.token0)
    reserve_in, reserve_out = (reserve0, reserve1) if zero_for_one else (reserve1, reserve0)
    with_fee = amount_in * 997
    amount_out = with_fee * reserve_out // (reserve_in * 1000 + with_fee)
    amount_out = amount_out * (10_000 - slippage_bps) // 10_000
    fund(d, market, token_in, pair.address, amount_in)
    out0, out1 = (0, amount_out) if zero_for_one else (amount_out, 0)
    d.transact(contract.functions.swap(out0, out1, d.account, b""))
    return int(amount_out)


def market_register(market: LocalMarket, *, rpc_url: str, chain_id: int = 31337) -> Chain:
    """Register a deployed local market in the database: the chain (with WETH and our
    executor) and one DEX per factory. Pools and tokens are left to the sync's discovery."""
    chain = chain_upsert(
        chain_id=chain_id, name="anvil (local)", rpc_urls=[rpc_url], block_time_ms=1000
    )
    chain.wrapped_native_address = market.weth
    chain.executor_address = market.executor
    chain.full_clean()
    chain.save()
    for name, factory in market.factories.items():
        router = market.router if name == "Uniswap V2" else ""
        dex_upsert(chain=chain, name=name, factory_address=factory, router_address=router)
    return chain
