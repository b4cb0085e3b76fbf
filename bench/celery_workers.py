"""Celery workers for the benchmarks: one per queue, as deployed (bulkheads), on loopback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def start_worker(
    app: str,
    queues: str,
    *,
    pool: str = "solo",
    loglevel: str = "WARNING",
    log: Path | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.Popen[bytes]:
    """A worker of `app` consuming `queues` (comma-separated), named after the first; with
    `log`, its output goes to that file."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            app,
            "worker",
            "-Q",
            queues,
            "-P",
            pool,
            "-c",
            "1",
            "-n",
            f"{queues.split(',', maxsplit=1)[0]}@%h",
            "--loglevel",
            loglevel,
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
        stderr=log.open("w") if log is not None else None,
    )
