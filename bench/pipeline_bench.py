"""Pipeline latency benchmark: from the block that creates a mispricing to our transaction
reaching the node, through the whole product (block watcher, Celery on Redis, PostgreSQL,
the engine, simulation, signing), next to the bare path measured in the same run (the
engine call, signing and sending from one process: no Celery, no database).

    make bench-pipeline            # 100 mispricings per path, anvil mining every second

Prints p50/p99 of both paths, their ratio, the share of mispricings captured in the very next
block, and the design's floor measured in the same run (three Celery hops with no work, and
with the one durable record a crash-safe send needs: bench/queue_floor.py). Needs PostgreSQL
and Redis (`make services`); uses its own database.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BENCH_DB = "arbx_bench"


def _prepare_database() -> None:
    from bench.database import prepare_database

    prepare_database(BENCH_DB)


class NodeEvents:
    """Push notifications from the node over WebSocket (no polling, so measuring does not slow
    down what it measures): when each block's header and each pending transaction's hash
    reached this process. A transaction's arrival is the moment the node had accepted it."""

    def __init__(self, ws_url: str) -> None:
        import json
        import threading

        from websockets.sync.client import connect

        self._json = json
        self.heads: dict[int, float] = {}
        self.pending: dict[str, float] = {}
        self._changed = threading.Condition()
        self._connection = connect(ws_url, max_size=None)
        self._ws = self._connection.__enter__()
        subscriptions = {}
        for index, kind in enumerate(("newHeads", "newPendingTransactions")):
            self._ws.send(
                json.dumps(
                    {"jsonrpc": "2.0", "id": index, "method": "eth_subscribe", "params": [kind]}
                )
            )
            subscriptions[json.loads(self._ws.recv())["result"]] = kind
        self._kinds = subscriptions
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            for message in self._ws:
                now = time.perf_counter()
                params = self._json.loads(message).get("params") or {}
                kind = self._kinds.get(params.get("subscription"))
                result: Any = params.get("result")
                with self._changed:
                    if kind == "newHeads":
                        self.heads[int(result["number"], 16)] = now
                    elif kind == "newPendingTransactions":
                        self.pending[str(result).lower()] = now
                    self._changed.notify_all()
        except Exception:  # the connection closes when the benchmark ends
            return

    def head_after(self, number: int, timeout: float = 30.0) -> tuple[int, float]:
        """The first block above `number` and when its header arrived."""
        with self._changed:
            found = self._changed.wait_for(
                lambda: any(n > number for n in self.heads), timeout=timeout
            )
            if not found:
                raise TimeoutError(f"no block after {number} within {timeout} s")
            first = min(n for n in self.heads if n > number)
            return first, self.heads[first]

    def arrival(self, tx_hash: str, timeout: float = 5.0) -> float | None:
        with self._changed:
            key = tx_hash.lower()
            self._changed.wait_for(lambda: key in self.pending, timeout=timeout)
            return self.pending.get(key)

    def close(self) -> None:
        self._connection.__exit__(None, None, None)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


@dataclass
class Sample:
    latency_ms: float
    next_block: bool


def main() -> None:  # noqa: PLR0912, PLR0915 - a benchmark script reads best top to bottom
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mispricings", type=int, default=100)
    parser.add_argument("--block-time", type=int, default=1, help="anvil interval mining, s")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--paths",
        default="bare,queues,lane",
        help="which paths to measure, comma-separated (bare is always measured: the baseline)",
    )
    parser.add_argument(
        "--floor-chains", type=int, default=100, help="chains of three hops for the floor"
    )
    args = parser.parse_args()
    paths = set(args.paths.split(","))

    _prepare_database()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/14")
    os.environ["CELERY_BROKER_URL"] = os.environ["REDIS_URL"]
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    import redis
    from eth_abi.abi import encode
    from eth_account import Account
    from eth_typing import HexStr
    from eth_utils.address import to_checksum_address
    from web3 import Web3

    from arbitrage.chain import abi
    from arbitrage.chain.client import ChainClient
    from arbitrage.chain.contracts import CycleCall, execute_calldata
    from arbitrage.chain.signer import Signer
    from arbitrage.engine import ArbitrageEngine
    from arbitrage.localnet.anvil import DEV_ACCOUNTS, DEV_KEYS, Anvil
    from arbitrage.localnet.market import Deployer, deploy_market, fund, market_register
    from arbitrage.models import Opportunity, Pool, Token, Trade
    from arbitrage.pipeline import loop as pipeline
    from arbitrage.pipeline.sync import last_block
    from arbitrage.services.snapshot import SNAPSHOT_FILE
    from bench import queue_floor
    from bench.celery_workers import start_worker

    redis.Redis.from_url(os.environ["REDIS_URL"]).flushdb()
    os.environ["ARBX_SIGNER_KEY"] = DEV_KEYS[0]  # anvil's public development key
    os.environ["ARBX_EXECUTION_MODE"] = "live"
    from django.conf import settings

    settings.ARBX_EXECUTION_MODE = "live"

    rng = random.Random(args.seed)
    snapshot = ROOT.parent / "shared" / "data" / SNAPSHOT_FILE
    anvil = Anvil(log_path=None).start()
    workers: list[subprocess.Popen[bytes]] = []
    watcher = None
    events: NodeEvents | None = None
    try:
        w3 = Web3(Web3.HTTPProvider(anvil.url))
        print("deploying the local market ...", flush=True)
        market = deploy_market(
            w3, deployer=DEV_ACCOUNTS[0], snapshot=snapshot, executor_owner=DEV_ACCOUNTS[0]
        )
        chain = market_register(market, rpc_url=anvil.url)
        trader = Deployer(w3, DEV_ACCOUNTS[1])
        big = 10**40
        for token in market.tokens.values():
            fund(
                trader,
                market,
                token.address,
                trader.account,
                big if token.address != market.weth else 10**25,
            )
        # Clear what the real snapshot's prices already offer, so each mispricing stands alone.
        for _ in range(30):
            result = pipeline.pipeline_sync(chain)
            found = pipeline.pipeline_scan(chain, result.changed_pool_ids, result.head)
            ids = pipeline.approve(pipeline.choose_for_execution(chain, found))
            for trade_id in ids:
                pipeline.pipeline_execute(chain, trade_id)
            pipeline.pipeline_confirm(chain)
            if not ids:
                break
        pipeline.pipeline_sync(chain)
        client = ChainClient(anvil.url)
        signer = Signer(Account.from_key(DEV_KEYS[0]))
        twins = [p for p in market.pairs if p.dex != "Uniswap V2"]
        targets = twins + [
            p
            for p in market.pairs
            if p.dex == "Uniswap V2" and market.weth not in (p.token0, p.token1)
        ]

        def inject() -> None:
            """A trader's swap of 1-3 % of a reserve, sent unmined: it lands in the next block."""
            pair = rng.choice(targets)
            reserves = abi.decode_reserves(client.call_batch([(pair.address, abi.GET_RESERVES)])[0])
            assert reserves is not None
            sell0 = rng.random() < 0.5
            reserve_in, reserve_out = reserves if sell0 else reserves[::-1]
            amount = reserve_in * rng.randint(100, 300) // 10_000
            out = amount * 997 * reserve_out // (reserve_in * 1000 + amount * 997)
            token_in = pair.token0 if sell0 else pair.token1
            transfer = bytes.fromhex("a9059cbb") + encode(
                ["address", "uint256"], [pair.address, amount]
            )
            swap = bytes.fromhex("022c0d9f") + encode(
                ["uint256", "uint256", "address", "bytes"],
                [0 if sell0 else out, out if sell0 else 0, trader.account, b""],
            )
            for to, data in ((token_in, transfer), (pair.address, swap)):
                w3.eth.send_transaction(
                    {
                        "from": trader.account,
                        "to": to_checksum_address(to),
                        "data": HexStr("0x" + data.hex()),
                        "gas": 300_000,
                    }
                )

        events = NodeEvents(anvil.url.replace("http://", "ws://"))
        assert events is not None

        anvil.rpc("evm_setIntervalMining", args.block_time)

        # ---- bare path: engine, signing and sending in one process -----------------------
        pools = list(Pool.objects.filter(chain=chain, active=True))
        by_address = {p.address.lower(): p for p in pools}
        by_pk = {p.pk: p for p in pools}  # the bare path holds its pools in memory: no database
        weth_id = Token.objects.get(chain=chain, address=market.weth).pk
        engine = ArbitrageEngine(max_hops=3, hubs=[weth_id])
        engine.upsert_pools(
            [(p.pk, p.token0_id, p.token1_id, p.reserve0, p.reserve1, p.fee_ppm) for p in pools]
        )
        tokens = {t.pk: t.address for t in Token.objects.filter(chain=chain)}
        nonce = client.transaction_count(signer.address, "pending")
        bare: list[Sample] = []
        print(f"bare path: {args.mispricings} mispricings ...", flush=True)
        head = client.block_number()
        for i in range(args.mispricings):
            inject()
            block, t0 = events.head_after(head)
            logs = client.get_logs(
                address=None, topics=[abi.SYNC], from_block=block, to_block=block
            )
            latest: dict[int, tuple[int, int]] = {}
            for log in logs:
                pool = by_address.get(str(log["address"]).lower())
                reserves_now = abi.decode_reserves(bytes(log["data"]))
                if pool is not None and reserves_now is not None:
                    latest[pool.pk] = reserves_now
            cycles = engine.update_reserves(
                list(latest), [r[0] for r in latest.values()], [r[1] for r in latest.values()]
            )
            sent: str | None = None
            if cycles:
                best = cycles[0]
                hops = [by_pk[pid] for pid in best.pools]
                call = CycleCall(
                    pairs=[p.address for p in hops],
                    zero_for_one=[
                        p.token0_id == t for p, t in zip(hops, best.tokens, strict=False)
                    ],
                    fees_ppm=[p.fee_ppm for p in hops],
                    start_token=tokens[best.start_token],
                    amount_in=best.amount_in,
                    min_profit=1,
                    deadline_block=block + 2,
                )
                base = client.block("latest").base_fee_per_gas
                signed = signer.sign(
                    {
                        "type": 2,
                        "chainId": 31337,
                        "nonce": nonce,
                        "to": market.executor,
                        "data": execute_calldata(call),
                        "value": 0,
                        "gas": 600_000,
                        "maxFeePerGas": 2 * base + 10**9,
                        "maxPriorityFeePerGas": 10**9,
                    }
                )
                client.send_raw_transaction(signed.raw)
                nonce += 1
                sent = signed.hash
            head, _ = events.head_after(block)
            if sent:
                receipt = w3.eth.wait_for_transaction_receipt(
                    HexStr(sent), timeout=30, poll_latency=0.05
                )
                t1 = events.arrival(sent)
                assert t1 is not None, f"the node never announced {sent}"
                bare.append(Sample((t1 - t0) * 1000, int(receipt["blockNumber"]) == block + 1))
                # The executed cycle moved its pools: keep the bare engine current.
                for p in hops:
                    now = abi.decode_reserves(client.call_batch([(p.address, abi.GET_RESERVES)])[0])
                    if now is not None:
                        engine.update_reserves([p.pk], [now[0]], [now[1]])
            print(f"  {i + 1}/{args.mispricings}", end="\r", flush=True)
        print()

        # ---- the product: watcher -> Celery (Redis) -> sync/scan/execute -> PostgreSQL ----
        # Twice: the queues alone, and with the watcher's fast lane in front of them.
        debug = bool(os.environ.get("BENCH_DEBUG"))

        def product_run(label: str, *watcher_options: str) -> tuple[list[Sample], int, int]:
            """Samples, mispricings missed, and mispricings that did not pay for their gas."""
            nonlocal watcher, workers
            pipeline.pipeline_sync(chain)
            env = dict(os.environ)
            redis.Redis.from_url(os.environ["REDIS_URL"]).flushdb()
            # One worker per queue, as deployed (bulkheads): a slow sync never delays an execution.
            workers = [
                start_worker(
                    "config",
                    queues,
                    pool=os.environ.get("BENCH_POOL", "solo"),
                    loglevel="INFO" if debug else "WARNING",
                    log=ROOT / ".run" / f"bench-worker-{queues.split(',')[0]}.log"
                    if debug
                    else None,
                    env=env,
                )
                for queues in ("sync", "scan", "execute,default")
            ]
            watcher = subprocess.Popen(
                [
                    sys.executable,
                    "manage.py",
                    "watch_blocks",
                    "--chain-id",
                    "31337",
                    "--ws-url",
                    anvil.url.replace("http://", "ws://"),
                    *watcher_options,
                ],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=open(ROOT / ".run" / "bench-watcher.log", "w") if debug else None,  # noqa: SIM115
            )
            # Warm: the workers have synced the chain up to a head heard after they started.
            started = client.block_number()
            deadline = time.perf_counter() + 60
            while time.perf_counter() < deadline:
                synced = last_block(chain)
                if synced is not None and synced.number > started:
                    break
                time.sleep(0.1)
            else:
                raise TimeoutError("the workers did not sync within 60 s")
            events.head_after(client.block_number())  # and the watcher has heard one more
            samples: list[Sample] = []
            missed = below_gas = 0
            print(f"{label}: {args.mispricings} mispricings ...", flush=True)
            head = client.block_number()
            for i in range(args.mispricings):
                inject()
                block, t0 = events.head_after(head)
                # Our transaction for this mispricing should be in the next block; it reached
                # the node when the node announced its hash. Nothing polls meanwhile.
                head, _ = events.head_after(block)
                trade = None
                settle = time.perf_counter() + 2 * args.block_time
                while trade is None and time.perf_counter() < settle:
                    trade = (
                        Trade.objects.filter(
                            opportunity__chain=chain, opportunity__block_number=block
                        )
                        .exclude(tx_hash=None)
                        .order_by("nonce")
                        .first()
                    )
                    if trade is None:
                        time.sleep(0.05)
                if trade is None or not trade.tx_hash:
                    # No opportunity at all in that block means the move did not pay for its
                    # gas: the product rightly left it (the bare path prices no gas).
                    if Opportunity.objects.filter(block_number=block).exists():
                        missed += 1
                    else:
                        below_gas += 1
                    continue
                first_hash = (trade.tx_hashes or [trade.tx_hash])[0]
                t1 = events.arrival(first_hash)
                mined = w3.eth.wait_for_transaction_receipt(
                    HexStr(trade.tx_hash), timeout=30, poll_latency=0.05
                )
                if t1 is None:
                    missed += 1
                    continue
                samples.append(Sample((t1 - t0) * 1000, int(mined["blockNumber"]) == block + 1))
                if debug:
                    print(
                        f"\n block {block} trade {trade.pk} mined {mined['blockNumber']} "
                        f"{(t1 - t0) * 1000:.1f} ms"
                    )
                head, _ = events.head_after(head)
                print(f"  {i + 1}/{args.mispricings}", end="\r", flush=True)
            print()
            for process in (watcher, *workers):
                process.terminate()
                process.wait(timeout=30)
            watcher, workers = None, []
            return samples, missed, below_gas

        product: list[Sample] = []
        fast: list[Sample] = []
        missed = below_gas = fast_missed = fast_below_gas = 0
        if "queues" in paths:
            product, missed, below_gas = product_run("pipeline (queues)", "--no-fast-lane")
        if "lane" in paths:
            fast, fast_missed, fast_below_gas = product_run("pipeline (fast lane)", "--fast-lane")
    finally:
        for process in (watcher, *workers):
            if process is not None:
                process.terminate()
                process.wait(timeout=30)
        if events is not None:
            events.close()
        anvil.stop()

    # The design's floor in the same run: three Celery hops with no work, and with the one
    # durable record a crash-safe send needs (see bench/queue_floor.py).
    floor = None
    if args.floor_chains:
        print(f"the design's floor: {args.floor_chains} chains of three hops ...", flush=True)
        floor = queue_floor.measure(args.floor_chains, variants=("hops", "send record"))

    def row(name: str, samples: list[Sample], total: int) -> tuple[float, float]:
        latencies = [s.latency_ms for s in samples]
        p50, p99 = percentile(latencies, 50), percentile(latencies, 99)
        captured = sum(s.next_block for s in samples)
        print(
            f"{name:<10} {len(samples):>5}/{total:<5} {p50:>9.1f} {p99:>9.1f} "
            f"{statistics.mean(latencies):>9.1f} {100 * captured / total:>8.1f} %"
        )
        return p50, p99

    print(
        f"\n{'path':<10} {'sent':>11} {'p50 ms':>9} {'p99 ms':>9} {'mean ms':>9} {'next block':>10}"
    )
    b50, b99 = row("bare", bare, args.mispricings)
    measured = [
        (name, samples, missed_, below)
        for name, samples, missed_, below in (
            ("queues", product, missed, below_gas),
            ("fast lane", fast, fast_missed, fast_below_gas),
        )
        if samples
    ]
    ratios = [(name, *row(name, samples, args.mispricings)) for name, samples, _, _ in measured]
    print()
    for name, p50, p99 in ratios:
        label = f"{name} / bare:"
        print(f"{label:<18}p50 {p50 / b50:.2f}x, p99 {p99 / b99:.2f}x (target: within 3x)")
    print()
    if floor is not None:
        queue_floor.report(floor)
        hops_ms, record = floor["hops"][0], floor["send record"][0]
        print(
            f"the design's floor at p50: the bare path's work plus the hops plus that record = "
            f"{b50:.1f} + {hops_ms:.1f} + {record - hops_ms:.1f} = {b50 + record:.1f} ms = "
            f"{(b50 + record) / b50:.2f}x the bare path, before any of the product's own checks "
            f"(3x leaves {3 * b50 - b50 - record:.1f} ms for all of them)"
        )
    for name, samples, missed_, below in measured:
        worth = args.mispricings - below
        captured = sum(s.next_block for s in samples)
        print(
            f"{name}: {below} mispricing(s) did not pay for their gas (no opportunity stored); "
            f"of the {worth} that did, {captured} ({100 * captured / max(1, worth):.1f} %) were "
            f"captured in the next block and {missed_} missed (target: at least 99 %)"
        )


if __name__ == "__main__":
    main()
