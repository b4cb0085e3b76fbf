"""The product's processes as subprocesses of a test: Celery workers and the block watcher,
started with the test's database, broker and (anvil's public) signing key; stopped, or killed
with SIGKILL, by the test that started them; and waits with a deadline."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Literal, TypeVar, overload

from django.conf import settings
from django.db import connection

from arbitrage.localnet.anvil import DEV_KEYS
from tests.conftest import ROOT

T = TypeVar("T")
Output = int | IO[bytes] | None


def product_env(**extra: str) -> dict[str, str]:
    """The environment of a product process: this test's database and broker, live execution
    with anvil's first development key (development only), and `extra` on top."""
    db = connection.settings_dict
    url = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="config.settings.test",
        DATABASE_URL=url,
        REDIS_URL=settings.CELERY_BROKER_URL,
        CELERY_BROKER_URL=settings.CELERY_BROKER_URL,
        ARBX_EXECUTION_MODE="live",
        ARBX_SIGNER_KEY=DEV_KEYS[0],  # anvil's public development key
    )
    env.update(extra)
    return env


def celery_worker(
    queues: str,
    *options: str,
    env: dict[str, str] | None = None,
    loglevel: str | None = None,
    stdout: Output = None,
    stderr: Output = None,
) -> subprocess.Popen[bytes]:
    """A Celery worker on `queues` (comma-separated), in its own session (so that a kill of
    its process group takes its pool's children too)."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-Q",
            queues,
            *options,
            "--loglevel",
            loglevel or os.environ.get("ARBX_TEST_WORKER_LOGLEVEL", "WARNING"),
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env or product_env(),
        stdout=stdout,
        stderr=stderr,
        start_new_session=True,
    )


def block_watcher(
    chain_id: int,
    *options: str,
    env: dict[str, str] | None = None,
    stdout: Output = subprocess.DEVNULL,
    stderr: Output = None,
) -> subprocess.Popen[bytes]:
    """`manage.py watch_blocks --chain-id <chain_id> <options>` (e.g. --ws-url, --fast-lane)."""
    return subprocess.Popen(
        [sys.executable, "manage.py", "watch_blocks", "--chain-id", str(chain_id), *options],
        cwd=ROOT,
        env=env or product_env(),
        stdout=stdout,
        stderr=stderr,
        start_new_session=True,
    )


# Product processes forked from one that has loaded Python, Django and the product once: each
# child runs exactly what `manage.py <argv>` or `celery <argv>` runs, in its own session, and is
# a process like any other (a test kills it with SIGKILL). A test that restarts a killed process
# many times pays the interpreter's boot once instead of at every restart (as a preforking
# server does). The server reads one log path per line and answers with the child's pid.
FORK_SERVER = """
import importlib, os, signal, sys, traceback
import django
django.setup()
for module in filter(None, sys.argv[1].split(",")):
    importlib.import_module(module)
signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps the children
entry, argv = sys.argv[2], sys.argv[3:]
print("ready", flush=True)
for line in sys.stdin:
    pid = os.fork()
    if pid:
        print(pid, flush=True)
        continue
    os.setsid()
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    out = os.open(line.strip(), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(out, 1)
    os.dup2(out, 2)
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    sys.stdin = open(os.devnull)
    sys.stdout = os.fdopen(1, "w", buffering=1)
    sys.stderr = os.fdopen(2, "w", buffering=1)
    code = 1
    try:
        if entry == "manage":
            from django.core.management import execute_from_command_line
            execute_from_command_line(["manage.py", *argv])
        else:
            from celery.bin.celery import main
            sys.argv = ["celery", *argv]
            main()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
"""
WATCHER_MODULES = ("arbitrage.management.commands.watch_blocks",)
WORKER_MODULES = ("config.celery_app", "arbitrage.tasks", "celery.bin.celery")


class Forked:
    """A process the fork server made (not our child: the server's, reaped by the kernel)."""

    def __init__(self, pid: int) -> None:
        self.pid = pid

    def alive(self) -> bool:
        try:
            state = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            return False
        return state not in ("Z", "X")

    def kill(self) -> None:
        """SIGKILL it (and its session's process group), and wait until it is gone."""
        _kill_group(self.pid)
        wait_for(lambda: not self.alive(), timeout=10.0, step=0.005)

    def stop(self, timeout: float = 20.0) -> None:
        if self.alive():
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGTERM)
            if wait_for(lambda: not self.alive(), timeout=timeout, step=0.05, quiet=True):
                return
        self.kill()


class ForkServer:
    """Forks product processes on demand (see FORK_SERVER); `entry` is "manage" or "celery"."""

    def __init__(
        self,
        entry: str,
        argv: list[str],
        *,
        modules: tuple[str, ...],
        env: dict[str, str] | None = None,
    ) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", FORK_SERVER, ",".join(modules), entry, *argv],
            cwd=ROOT,
            env=env or product_env(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            start_new_session=True,
        )
        self.children: list[Forked] = []
        assert self._line() == "ready", "the fork server did not start"

    def _line(self) -> str:
        assert self.process.stdout is not None
        return self.process.stdout.readline().decode().strip()

    def fork(self, log: Path) -> Forked:
        """A new process running the command, its output to `log`."""
        assert self.process.stdin is not None
        self.process.stdin.write(f"{log}\n".encode())
        self.process.stdin.flush()
        child = Forked(int(self._line()))
        self.children.append(child)
        return child

    def stop(self) -> None:
        for child in self.children:
            child.stop()
        stop(self.process)


def watcher_server(chain_id: int, *options: str, env: dict[str, str] | None = None) -> ForkServer:
    """Forks `manage.py watch_blocks --chain-id <chain_id> <options>`."""
    argv = ["watch_blocks", "--chain-id", str(chain_id), *options]
    return ForkServer("manage", argv, modules=WATCHER_MODULES, env=env)


def worker_server(
    queues: str, *options: str, loglevel: str = "WARNING", env: dict[str, str] | None = None
) -> ForkServer:
    """Forks a Celery worker on `queues`, as `celery_worker` starts it."""
    argv = ["-A", "config", "worker", "-Q", queues, *options, "--loglevel", loglevel]
    argv += ["--without-gossip", "--without-mingle"]
    return ForkServer("celery", argv, modules=WORKER_MODULES, env=env)


def stop(process: subprocess.Popen[bytes], timeout: float = 20.0) -> None:
    """Ask the process to stop (SIGTERM: a worker finishes its task first), and kill its
    process group if it has not stopped within `timeout` seconds."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            kill(process)
            return
    _kill_group(process.pid)


def kill(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL the process and everything of its process group (a worker's pool children),
    and reap it."""
    _kill_group(process.pid)
    with contextlib.suppress(ProcessLookupError):
        process.kill()
    process.wait()


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def child_pids(pid: int) -> list[int]:
    """The live child processes of `pid` (a prefork worker's pool processes), from /proc."""
    children: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children.extend(int(c) for c in (task / "children").read_text().split())
        except OSError:
            continue
    return sorted(set(children))


@overload
def wait_for(
    predicate: Callable[[], T | None],
    timeout: float = ...,
    step: float = ...,
    quiet: Literal[False] = ...,
    state: Callable[[], str] | None = ...,
) -> T: ...


@overload
def wait_for(
    predicate: Callable[[], T | None],
    timeout: float = ...,
    step: float = ...,
    *,
    quiet: Literal[True],
    state: Callable[[], str] | None = ...,
) -> T | None: ...


def wait_for(
    predicate: Callable[[], T | None],
    timeout: float = 60.0,
    step: float = 0.25,
    quiet: bool = False,
    state: Callable[[], str] | None = None,
) -> T | None:
    """The predicate's first truthy value, polled every `step` seconds; past `timeout`, None
    when `quiet`, else an AssertionError (with `state()` in its message)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    if quiet:
        return None
    raise AssertionError("timed out waiting" + (f": {state()}" if state else ""))


def wait_for_text(path: Path, text: str, timeout: float = 60.0, step: float = 0.05) -> bool:
    """Whether `text` appears in the file at `path` (a process's log) within `timeout`."""

    def found() -> bool:
        return path.exists() and text in path.read_text(errors="replace")

    return bool(wait_for(found, timeout=timeout, step=step, quiet=True))
