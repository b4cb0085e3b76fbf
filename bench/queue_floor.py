"""The floor of the pipeline's design: what three Celery hops (sync -> scan -> execute, one
solo worker per queue on Redis, as deployed) cost before any work is done, then with the
least persistence a crash-safe send needs (lock the trade's row, move it on, append one audit
row, commit: in the execute stage only, or in every stage), written in raw SQL with no ORM.

    make bench-floor                # 300 chains of three hops per variant

Prints p50/p99 of the time from queuing the first task (where the block watcher queues a sync)
to the end of the third task's work, per variant. `make bench-pipeline` measures the first two
variants in its own run too, next to the bare path. Subtract it from the product's
pipeline latency to see what the stages' own work costs; add it to the bare path's latency to
see the best the design could do. Needs PostgreSQL and Redis (`make services`).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import psycopg
import redis
from celery import Celery

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.celery_workers import start_worker  # noqa: E402 - after the project's root is on the path

BROKER = os.environ.get("FLOOR_REDIS_URL", "redis://127.0.0.1:6379/12")
DATABASE = os.environ.get("FLOOR_DATABASE_URL", "postgresql://arbx:arbx@127.0.0.1:5432/arbx")
QUEUES = ("floor_sync", "floor_scan", "floor_execute")
RESULTS = "floor:results"

app = Celery("queue_floor", broker=BROKER)
app.conf.update(
    task_serializer="json",
    accept_content=["json"],
    task_acks_late=True,
    worker_prefetch_multiplier=1,
    broker_connection_retry_on_startup=True,
)

_connections: list[psycopg.Connection[Any]] = []


def _db() -> psycopg.Connection[Any]:
    """This worker's one PostgreSQL connection, kept between tasks as the product's are."""
    if not _connections:
        _connections.append(psycopg.connect(DATABASE))
    return _connections[0]


def _redis() -> redis.Redis:
    return redis.Redis.from_url(BROKER)


VARIANTS = {
    "hops": "queue hops only",
    "send record": "+ lock, update, audit row, commit before the send",
    "state machine": "+ lock, update, audit row, commit in every stage",
}


def _stage(variant: str, stage: int) -> None:
    """The least a stage persists, per variant: nothing; in the execute stage only, what a
    crash-safe send needs (the trade's row locked and moved on, an audit row, a commit); or
    that in every stage."""
    if variant == "hops" or (variant == "send record" and stage != len(QUEUES)):
        return
    conn = _db()
    with conn.transaction():
        conn.execute("SELECT state FROM floor_trade WHERE id = 1 FOR UPDATE")
        conn.execute("UPDATE floor_trade SET state = %s WHERE id = 1", [stage])
        conn.execute("INSERT INTO floor_audit (stage) VALUES (%s)", [stage])


@app.task(name="floor.sync")
def sync(variant: str, started: float) -> None:
    _stage(variant, 1)
    scan.apply_async(args=(variant, started), queue=QUEUES[1])


@app.task(name="floor.scan")
def scan(variant: str, started: float) -> None:
    _stage(variant, 2)
    execute.apply_async(args=(variant, started), queue=QUEUES[2])


@app.task(name="floor.execute")
def execute(variant: str, started: float) -> None:
    _stage(variant, 3)
    # perf_counter is CLOCK_MONOTONIC on Linux: comparable between processes.
    _redis().rpush(RESULTS, f"{variant} {time.perf_counter() - started}")


def measure(
    chains: int, *, pause: float = 0.05, variants: tuple[str, ...] = tuple(VARIANTS)
) -> dict[str, tuple[float, float]]:
    """p50 and p99 (ms) of `chains` chains of three hops, per variant: from queuing the first
    task to the third task's end, with three solo workers started here and stopped after."""
    with psycopg.connect(DATABASE, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS floor_trade, floor_audit")
        conn.execute("CREATE TABLE floor_trade (id int PRIMARY KEY, state int)")
        conn.execute("INSERT INTO floor_trade VALUES (1, 0)")
        conn.execute("CREATE TABLE floor_audit (id bigserial PRIMARY KEY, stage int)")
    client = _redis()
    client.flushdb()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    workers = [start_worker("bench.queue_floor", queue, env=env) for queue in QUEUES]
    rows: dict[str, tuple[float, float]] = {}
    try:
        time.sleep(4)
        for variant in variants:
            sync.apply_async(args=(variant, time.perf_counter()), queue=QUEUES[0])  # warm-up
            client.blpop([RESULTS], timeout=30)
            latencies = []
            for i in range(chains):
                sync.apply_async(args=(variant, time.perf_counter()), queue=QUEUES[0])
                reply: Any = client.blpop([RESULTS], timeout=30)
                if reply is None:
                    raise TimeoutError(f"{variant}: chain {i} did not finish in 30 s")
                latencies.append(float(reply[1].split()[-1]) * 1000)
                time.sleep(pause)
                print(f"  {variant}: {i + 1}/{chains}   ", end="\r", flush=True)
            latencies.sort()
            p99 = latencies[min(len(latencies) - 1, round(0.99 * (len(latencies) - 1)))]
            rows[variant] = (statistics.median(latencies), p99)
    finally:
        for worker in workers:
            worker.terminate()
            worker.wait(timeout=30)
        with psycopg.connect(DATABASE, autocommit=True) as conn:
            conn.execute("DROP TABLE IF EXISTS floor_trade, floor_audit")
    print()
    return rows


def report(rows: dict[str, tuple[float, float]]) -> None:
    print(f"{'three hops (sync -> scan -> execute)':<52} {'p50 ms':>8} {'p99 ms':>8}")
    for variant, (p50, p99) in rows.items():
        print(f"{VARIANTS[variant]:<52} {p50:>8.2f} {p99:>8.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chains", type=int, default=300)
    parser.add_argument("--pause", type=float, default=0.05, help="seconds between chains")
    args = parser.parse_args()
    report(measure(args.chains, pause=args.pause))


if __name__ == "__main__":
    main()
