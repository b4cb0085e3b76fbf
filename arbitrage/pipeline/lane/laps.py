"""Where one block's time goes in the fast lane: milliseconds and SQL statements per phase."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import connection


@dataclass
class Laps:
    """Milliseconds and SQL statements per phase of one block."""

    started: float = field(default_factory=time.perf_counter)
    phases: dict[str, tuple[float, int]] = field(default_factory=dict)
    _queries: int = 0

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        def count(execute: Callable[..., Any], *args: Any) -> Any:
            self._queries += 1
            return execute(*args)

        start, before = time.perf_counter(), self._queries
        with connection.execute_wrapper(count):
            yield
        ms, queries = self.phases.get(name, (0.0, 0))
        self.phases[name] = (
            ms + 1000 * (time.perf_counter() - start),
            queries + self._queries - before,
        )

    def summary(self) -> str:
        total = 1000 * (time.perf_counter() - self.started)
        parts = " ".join(f"{k} {ms:.1f} ms/{q}q" for k, (ms, q) in self.phases.items())
        return f"{total:.1f} ms ({parts})"
