"""A fault-injecting JSON-RPC proxy for the fault tests: HTTP (and WebSocket, tunnelled) on
127.0.0.1 in front of a node (anvil), with one switchable fault at a time.

    with FaultProxy(anvil.url) as proxy:
        client = ChainClient([proxy.url, ...])
        proxy.fault = http_status(503)              # every request answers 503
        proxy.fault = delay(3, methods={"eth_getLogs"}, times=1)   # the first getLogs hangs
        proxy.fault = None                          # healthy again
        proxy.requests["eth_sendRawTransaction"]    # JSON-RPC calls seen, by method

Faults (constructors below): `delay` (no answer for N seconds, then the connection is closed:
the client times out), `http_status` (5xx/429), `truncated` (half the JSON body), `slow` (the
right answer, N seconds late), `stale` (the head frozen at an old block: eth_blockNumber and
eth_getBlockByNumber("latest") answer for that block), `drop_response` (the request reaches the
node, its answer is never delivered), `call_error` (matching calls, single or in a batch,
answer a JSON-RPC error instead of reaching the node). `methods` limits a fault to requests
naming one of these methods, `times` to the first N such requests (calls, for `call_error`).
`drop_ws()` closes every tunnelled WebSocket; `ws_refuse = True` refuses new ones.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlparse

FAULT_KINDS = frozenset(
    {"delay", "http", "truncate", "slow", "stale", "drop_response", "call_error"}
)


@dataclass
class Fault:
    kind: str
    seconds: float = 0.0
    status: int = 503
    block: int | None = None
    methods: frozenset[str] | None = None
    times: int | None = None
    code: int = 429
    message: str = "rate limit exceeded"


def _methods(methods: set[str] | None) -> frozenset[str] | None:
    return frozenset(methods) if methods else None


def delay(seconds: float, *, methods: set[str] | None = None, times: int | None = None) -> Fault:
    return Fault("delay", seconds=seconds, methods=_methods(methods), times=times)


def http_status(
    status: int = 503, *, methods: set[str] | None = None, times: int | None = None
) -> Fault:
    return Fault("http", status=status, methods=_methods(methods), times=times)


def truncated(*, methods: set[str] | None = None, times: int | None = None) -> Fault:
    return Fault("truncate", methods=_methods(methods), times=times)


def slow(seconds: float, *, methods: set[str] | None = None, times: int | None = None) -> Fault:
    return Fault("slow", seconds=seconds, methods=_methods(methods), times=times)


def stale(block: int) -> Fault:
    return Fault("stale", block=block)


def drop_response(*, methods: set[str] | None = None, times: int | None = None) -> Fault:
    return Fault("drop_response", methods=_methods(methods), times=times)


def call_error(
    methods: set[str],
    *,
    times: int | None = None,
    code: int = 429,
    message: str = "rate limit exceeded",
) -> Fault:
    return Fault("call_error", methods=_methods(methods), times=times, code=code, message=message)


class FaultProxy:
    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        parsed = urlparse(upstream)
        self.upstream_addr = (parsed.hostname or "127.0.0.1", parsed.port or 80)
        self.requests: Counter[str] = Counter()
        self.calls: list[tuple[str, Any]] = []
        self.posts = 0
        self.injected = 0
        self.ws_connections = 0
        self.ws_refuse = False
        self._fault: Fault | None = None
        self._lock = threading.Lock()
        self._tunnels: list[socket.socket] = []
        self._server: ThreadingHTTPServer | None = None

    # -- the API --------------------------------------------------------------------------
    @property
    def fault(self) -> Fault | None:
        return self._fault

    @fault.setter
    def fault(self, fault: Fault | None) -> None:
        with self._lock:
            self._fault = fault

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def start(self) -> FaultProxy:
        proxy = self

        class Handler(_Handler):
            owner = proxy

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        server.block_on_close = False
        self._server = server
        threading.Thread(target=server.serve_forever, daemon=True, name="fault-proxy").start()
        return self

    def stop(self) -> None:
        self.drop_ws()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def drop_ws(self) -> int:
        """Close every tunnelled WebSocket; how many were open."""
        with self._lock:
            tunnels, self._tunnels = self._tunnels, []
        for sock in tunnels:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        return len(tunnels) // 2

    def reset_counts(self) -> None:
        with self._lock:
            self.requests.clear()
            self.calls.clear()
            self.posts = self.injected = 0

    # -- inside ---------------------------------------------------------------------------
    def _take(self, calls: list[dict[str, Any]]) -> Fault | None:
        """The fault that applies to this request, counting it (None: forward as it is)."""
        with self._lock:
            self.posts += 1
            for call in calls:
                self.requests[str(call.get("method"))] += 1
                self.calls.append((str(call.get("method")), call.get("params")))
            fault = self._fault
            if fault is None:
                return None
            if fault.methods is not None and not any(
                c.get("method") in fault.methods for c in calls
            ):
                return None
            if fault.kind == "call_error":
                return fault  # counted per call by _call_errors
            if fault.times is not None:
                if fault.times <= 0:
                    return None
                fault.times -= 1
            self.injected += 1
            return fault

    def _call_errors(self, fault: Fault, calls: list[dict[str, Any]]) -> set[int]:
        """Indices of the calls that answer the fault's error (within its `times`)."""
        hit: set[int] = set()
        with self._lock:
            for index, call in enumerate(calls):
                if fault.methods is not None and call.get("method") not in fault.methods:
                    continue
                if fault.times is not None:
                    if fault.times <= 0:
                        continue
                    fault.times -= 1
                hit.add(index)
                self.injected += 1
        return hit

    def _forward(self, body: bytes) -> bytes:
        request = urllib.request.Request(  # noqa: S310 - loopback
            self.upstream, data=body, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return bytes(response.read())

    def _tunnel(self, client: socket.socket, head: bytes) -> None:
        upstream = socket.create_connection(self.upstream_addr, timeout=10)
        upstream.settimeout(None)
        with self._lock:
            self._tunnels += [client, upstream]
            self.ws_connections += 1
        upstream.sendall(head)

        def pipe(src: socket.socket, dst: socket.socket) -> None:
            try:
                while data := src.recv(65536):
                    dst.sendall(data)
            except OSError:
                pass
            for sock in (src, dst):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

        back = threading.Thread(target=pipe, args=(upstream, client), daemon=True)
        back.start()
        pipe(client, upstream)
        back.join(timeout=5)
        upstream.close()


class _Handler(BaseHTTPRequestHandler):
    owner: FaultProxy
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes: without this, Nagle's algorithm and the
        # client's delayed ACK hold every answer back by 40 ms.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, *args: object) -> None:
        return

    def do_GET(self) -> None:
        if self.headers.get("Upgrade", "").lower() != "websocket":
            self._reply(404, b"")
            return
        if self.owner.ws_refuse:
            self._reply(503, b"")
            return
        lines = [f"{self.command} {self.path} {self.request_version}"]
        lines += [f"{key}: {value}" for key, value in self.headers.items()]
        head = ("\r\n".join(lines) + "\r\n\r\n").encode()
        self.close_connection = True
        self.owner._tunnel(self.connection, head)

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            request = json.loads(body)
        except ValueError:
            self._reply(400, b"")
            return
        calls = request if isinstance(request, list) else [request]
        fault = self.owner._take(calls)
        status, answer = self._answer(fault, body, request, calls)
        if answer is None:
            self.close_connection = True  # never answered (the request may have gone on)
        else:
            self._reply(status, answer)

    def _answer(  # noqa: PLR0911 - one answer per kind of fault
        self, fault: Fault | None, body: bytes, request: Any, calls: list[dict[str, Any]]
    ) -> tuple[int, bytes | None]:
        """The status and body to answer with this fault (None: no answer at all)."""
        kind = fault.kind if fault is not None else ""
        if fault is None or kind not in FAULT_KINDS:
            return 200, self.owner._forward(body)
        if kind in ("delay", "slow"):
            time.sleep(fault.seconds)
        if kind == "delay":
            return 200, None
        if kind == "http":
            return fault.status, b'{"error": "injected"}'
        if kind == "stale":
            return 200, self._stale(request, calls, fault)
        if kind == "call_error":
            return 200, self._with_errors(request, calls, fault)
        answer = self.owner._forward(body)
        if kind == "truncate":
            return 200, answer[: len(answer) // 2]
        if kind == "drop_response":
            return 200, None  # the node has it; its answer is lost
        return 200, answer  # slow

    def _stale(self, request: Any, calls: list[dict[str, Any]], fault: Fault) -> bytes:
        block = hex(fault.block or 0)
        answers: dict[Any, Any] = {}
        forwarded = []
        for call in calls:
            method, params = call.get("method"), list(call.get("params") or [])
            if method == "eth_blockNumber":
                answers[call.get("id")] = {"jsonrpc": "2.0", "id": call.get("id"), "result": block}
                continue
            if method == "eth_getBlockByNumber" and params and params[0] in ("latest", "pending"):
                forwarded.append({**call, "params": [block, *params[1:]]})
            else:
                forwarded.append(call)
        return self._merge(request, calls, forwarded, answers)

    def _with_errors(self, request: Any, calls: list[dict[str, Any]], fault: Fault) -> bytes:
        hit = self.owner._call_errors(fault, calls)
        answers = {
            calls[i].get("id"): {
                "jsonrpc": "2.0",
                "id": calls[i].get("id"),
                "error": {"code": fault.code, "message": fault.message},
            }
            for i in hit
        }
        forwarded = [c for i, c in enumerate(calls) if i not in hit]
        return self._merge(request, calls, forwarded, answers)

    def _merge(
        self,
        request: Any,
        calls: list[dict[str, Any]],
        forwarded: list[dict[str, Any]],
        answers: dict[Any, Any],
    ) -> bytes:
        if forwarded:
            upstream = json.loads(self.owner._forward(json.dumps(forwarded).encode()))
            for answer in upstream if isinstance(upstream, list) else [upstream]:
                answers[answer.get("id")] = answer
        ordered = [answers[c.get("id")] for c in calls]
        return json.dumps(ordered if isinstance(request, list) else ordered[0]).encode()

    def _reply(self, status: int, data: bytes) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            self.close_connection = True


__all__ = [
    "Fault",
    "FaultProxy",
    "call_error",
    "delay",
    "drop_response",
    "http_status",
    "slow",
    "stale",
    "truncated",
]
