"""A small closed-loop HTTP/1.1 load generator, run as its own process.

Usage: ``python -m bench.load URL --connections C --duration D [--warmup W]``. It prints one JSON
object: ``count`` (responses in the measured window), ``ok``, ``non_2xx``, ``errors``, ``rps``,
latency percentiles in milliseconds, how many TCP connections it opened, and ``total`` (responses
including the warm-up, to divide the server's CPU time by).

Why this and not wrk/ab/locust: it installs with the project (stdlib only), runs anywhere Python
does, and one asyncio process with raw sockets drives a few thousand requests per second on one
core, which is well above what a two-worker Django server can answer on the same machine. Running
it as a separate process keeps the client's CPU time out of the server's interpreter; on a small
machine it still competes for the same cores, which every figure it produces must be read with.

Each connection sends one request, waits for the whole response, then sends the next (closed
loop, keep-alive). A server that closes connections (gunicorn's sync worker answers every request
with ``Connection: close``) is followed by a reconnect, which is then part of the measured cost,
as it is for real clients of such a server. Only loopback addresses are accepted: this tool is for
measuring a server we started ourselves, never a machine on the network.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
MAX_CONNECTIONS = 1024
MAX_SECONDS = 600.0
# No single connect or response may take longer than this; it also bounds how far a run can
# overshoot its deadline when the server hangs.
IO_TIMEOUT = 10.0
# A response head larger than this is treated as a broken server, not read forever.
MAX_HEAD_BYTES = 64 * 1024


class LoadError(Exception):
    """The load generator was asked for something it refuses to do (bad URL, silly limits)."""


class ProtocolError(Exception):
    """The server's response could not be parsed as HTTP/1.x."""


@dataclass(frozen=True)
class Target:
    """Where to send requests, and the bytes of the one request that is sent again and again."""

    host: str
    port: int
    path: str

    @classmethod
    def parse(cls, url: str) -> Target:
        parts = urlsplit(url)
        if parts.scheme != "http":
            raise LoadError(f"only http:// URLs are supported, not {url!r}")
        host = parts.hostname or ""
        if host not in LOOPBACK_HOSTS and not host.startswith("127."):
            raise LoadError(f"refusing to load {host!r}: only loopback addresses are allowed")
        path = parts.path or "/"
        if parts.query:
            path = f"{path}?{parts.query}"
        return cls(host=host, port=parts.port or 80, path=path)

    def request(self) -> bytes:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return (
            f"GET {self.path} HTTP/1.1\r\n"
            f"Host: {host}:{self.port}\r\n"
            "User-Agent: trustmart-bench\r\n"
            "Accept: */*\r\n"
            "\r\n"
        ).encode("ascii")


@dataclass
class Tally:
    """What all connections of one run observed inside the measured window."""

    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    connects: int = 0
    warmup_responses: int = 0  # answered but not counted, for per-request server CPU time

    def response(self, status: int, seconds: float) -> None:
        self.latencies.append(seconds)
        self.statuses[status] = self.statuses.get(status, 0) + 1

    def error(self, exc: BaseException) -> None:
        kind = type(exc).__name__
        self.errors[kind] = self.errors.get(kind, 0) + 1


async def _read_chunked(reader: asyncio.StreamReader) -> None:
    while True:
        size_line = await reader.readuntil(b"\r\n")
        size = int(size_line.split(b";", 1)[0].strip(), 16)
        if size == 0:
            while await reader.readuntil(b"\r\n") != b"\r\n":  # trailers, then the empty line
                pass
            return
        await reader.readexactly(size + 2)


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """Read one whole response; return its status and whether the connection may be reused."""
    head = await reader.readuntil(b"\r\n\r\n")
    if len(head) > MAX_HEAD_BYTES:
        raise ProtocolError("response head too large")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    version, _, rest = status_line.partition(" ")
    if not version.startswith("HTTP/1.") or not rest[:3].isdigit():
        raise ProtocolError(f"bad status line {status_line[:80]!r}")
    status = int(rest[:3])
    headers: dict[str, str] = {}
    for line in header_lines:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip().lower()
    connection = headers.get("connection", "")
    keep_alive = "close" not in connection if version == "HTTP/1.1" else "keep-alive" in connection
    if "chunked" in headers.get("transfer-encoding", ""):
        await _read_chunked(reader)
    elif "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    elif status in (204, 304) or 100 <= status < 200:
        pass
    else:  # the body runs until the server closes the connection
        await reader.read()
        keep_alive = False
    return status, keep_alive


async def _open(target: Target, measure_from: float, tally: Tally
                ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
    try:
        streams = await asyncio.wait_for(
            asyncio.open_connection(target.host, target.port), IO_TIMEOUT
        )
    except (OSError, TimeoutError) as exc:
        if time.perf_counter() >= measure_from:
            tally.error(exc)
        await asyncio.sleep(0.05)  # don't spin on a server that refuses connections
        return None
    if time.perf_counter() >= measure_from:
        tally.connects += 1
    return streams


async def _connection(target: Target, measure_from: float, deadline: float, tally: Tally) -> None:
    """One client connection: request, whole response, repeat until the deadline."""
    request = target.request()
    streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
    reused = False
    try:
        while time.perf_counter() < deadline:
            if streams is None:
                streams = await _open(target, measure_from, tally)
                reused = False
                if streams is None:
                    continue
            reader, writer = streams
            started = time.perf_counter()
            try:
                writer.write(request)
                await writer.drain()
                status, keep_alive = await asyncio.wait_for(read_response(reader), IO_TIMEOUT)
            except asyncio.IncompleteReadError as exc:
                writer.close()
                streams = None
                # A kept-alive connection the server closed before answering is retried on a
                # fresh one, as browsers do; anything else is the server's failure.
                if not (reused and not exc.partial) and started >= measure_from:
                    tally.error(exc)
                continue
            except (OSError, TimeoutError, ValueError, ProtocolError,
                    asyncio.LimitOverrunError) as exc:
                writer.close()
                streams = None
                if started >= measure_from:
                    tally.error(exc)
                continue
            if started >= measure_from:
                tally.response(status, time.perf_counter() - started)
            else:
                tally.warmup_responses += 1
            reused = True
            if not keep_alive:
                writer.close()
                streams = None
    finally:
        if streams is not None:
            streams[1].close()


def _percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile: a value that was really observed, never an interpolation."""
    if not sorted_values:
        return 0.0
    rank = max(1, round(fraction * len(sorted_values) + 0.5))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def summarise(url: str, connections: int, duration: float, warmup: float, elapsed: float,
              tally: Tally) -> dict[str, Any]:
    latencies = sorted(tally.latencies)
    count = len(latencies)
    ok = sum(n for status, n in tally.statuses.items() if 200 <= status < 300)
    errors = sum(tally.errors.values())
    ms = 1000.0
    return {
        "url": url,
        "connections": connections,
        "duration": duration,
        "warmup": warmup,
        "elapsed": round(elapsed, 3),
        "count": count,
        "ok": ok,
        "non_2xx": count - ok,
        "errors": errors,
        "error_kinds": tally.errors,
        "statuses": {str(status): n for status, n in sorted(tally.statuses.items())},
        "connects": tally.connects,
        "total": count + tally.warmup_responses,  # every response, warm-up included
        # Only 2xx answers count as throughput: a server that fails fast must not look fast.
        "rps": round(ok / elapsed, 1) if elapsed > 0 else 0.0,
        "mean_ms": round(sum(latencies) / count * ms, 3) if count else 0.0,
        "p50_ms": round(_percentile(latencies, 0.50) * ms, 3),
        "p90_ms": round(_percentile(latencies, 0.90) * ms, 3),
        "p99_ms": round(_percentile(latencies, 0.99) * ms, 3),
        "max_ms": round(latencies[-1] * ms, 3) if latencies else 0.0,
    }


async def run_load(url: str, connections: int, duration: float, warmup: float = 0.0
                   ) -> dict[str, Any]:
    """Drive ``url`` with ``connections`` concurrent keep-alive clients; return the summary.

    Requests started during the first ``warmup`` seconds are sent but not counted, so lazy
    imports, first database connections and cold caches in the workers do not skew the figures.
    """
    if not 1 <= connections <= MAX_CONNECTIONS:
        raise LoadError(f"connections must be between 1 and {MAX_CONNECTIONS}")
    if not 0 < duration <= MAX_SECONDS or not 0 <= warmup <= MAX_SECONDS:
        raise LoadError(f"duration must be in (0, {MAX_SECONDS}] and warmup in [0, {MAX_SECONDS}]")
    target = Target.parse(url)
    tally = Tally()
    measure_from = time.perf_counter() + warmup
    deadline = measure_from + duration
    tasks = [_connection(target, measure_from, deadline, tally) for _ in range(connections)]
    # Every connection stops by itself at the deadline; this outer bound only guards against a
    # bug in that logic, so a run can never hang.
    await asyncio.wait_for(asyncio.gather(*tasks), warmup + duration + 2 * IO_TIMEOUT + 5)
    elapsed = time.perf_counter() - measure_from
    return summarise(url, connections, duration, warmup, elapsed, tally)


def measure(url: str, *, connections: int, duration: float, warmup: float = 0.0,
            env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Run this load generator as a separate process against ``url`` and return its summary.

    A separate process, not a thread or a coroutine of the caller, so the client has its own
    interpreter and GIL and the caller (which also supervises the server) stays out of the way.
    """
    command = [sys.executable, "-m", "bench.load", url, "--connections", str(connections),
               "--duration", str(duration), "--warmup", str(warmup)]
    timeout = warmup + duration + 2 * IO_TIMEOUT + 30
    completed = subprocess.run(
        command, capture_output=True, text=True, timeout=timeout, check=False,
        env=dict(env if env is not None else os.environ),
        cwd=Path(__file__).resolve().parent.parent,  # the repo root, where ``bench`` imports from
    )
    lines = completed.stdout.strip().splitlines()
    if completed.returncode != 0 or not lines:
        problem = completed.stderr.strip()[-2000:]
        raise LoadError(f"load generator failed (exit {completed.returncode}): {problem}")
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.load", description="Closed-loop HTTP/1.1 load on a loopback URL."
    )
    parser.add_argument("url", help="http://127.0.0.1:PORT/path (loopback only)")
    parser.add_argument("--connections", "-c", type=int, default=16)
    parser.add_argument("--duration", "-d", type=float, default=5.0, help="measured seconds")
    parser.add_argument("--warmup", "-w", type=float, default=0.0, help="unmeasured seconds first")
    args = parser.parse_args(argv)
    try:
        result = asyncio.run(run_load(args.url, args.connections, args.duration, args.warmup))
    except LoadError as exc:
        parser.error(str(exc))
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
