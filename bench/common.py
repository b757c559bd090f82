"""What every benchmark does the same way: alternate rounds, check answers, take medians.

The machines this runs on are small and shared, so a figure from one stretch of time says little.
Targets that are compared are measured in the same run, interleaved round by round (A B A B ...),
so a noisy neighbour slows both rather than one; the median of the rounds is reported, with every
round's figure alongside so the spread is visible.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
from collections.abc import Mapping
from typing import Any

from bench.load import measure
from bench.server import SERVERS, Server

# More failed answers than this (non-2xx or broken connections) make a round meaningless.
MAX_FAILURE_SHARE = 0.01


class BenchError(Exception):
    """A benchmark could not produce a trustworthy figure."""


def log(message: str) -> None:
    """Progress goes to stderr: stdout's last line is reserved for the JSON result."""
    print(message, file=sys.stderr, flush=True)


def check(name: str, result: Mapping[str, Any]) -> None:
    failures = int(result["non_2xx"]) + int(result["errors"])
    if int(result["ok"]) == 0 or failures > MAX_FAILURE_SHARE * max(1, int(result["count"])):
        raise BenchError(
            f"{name}: {result['ok']} ok, {result['non_2xx']} non-2xx {result['statuses']}, "
            f"{result['errors']} errors {result['error_kinds']}"
        )


def health(server: Server) -> dict[str, Any]:
    """The server's own ``/healthz`` report; a degraded server is not worth measuring."""
    status, body = server.get("/healthz")
    if status != 200:
        raise BenchError(f"{server.kind.name}: /healthz answered {status}: {body[:500]!r}")
    report: dict[str, Any] = json.loads(body)
    return report


def alternate(targets: Mapping[str, tuple[Server, str]], args: argparse.Namespace
              ) -> dict[str, list[dict[str, Any]]]:
    """Load each target (name -> server and path) once per round, in turn, for ``args.rounds``.

    Each result also gets ``cpu_ms``: the server's CPU time per response, warm-up included.
    """
    results: dict[str, list[dict[str, Any]]] = {name: [] for name in targets}
    width = max(map(len, targets), default=0)
    for round_number in range(1, args.rounds + 1):
        for name, (server, path) in targets.items():
            cpu_before = server.cpu_seconds()
            result = measure(server.url(path), connections=args.connections,
                             duration=args.duration, warmup=args.warmup)
            cpu_after = server.cpu_seconds()
            check(name, result)
            if cpu_before is not None and cpu_after is not None and result["total"]:
                result["cpu_ms"] = round((cpu_after - cpu_before) * 1000 / result["total"], 3)
            results[name].append(result)
            cpu = f"  cpu {result['cpu_ms']:.2f} ms/req" if "cpu_ms" in result else ""
            log(f"round {round_number}/{args.rounds} {name:>{width}}: {result['rps']:8.1f} req/s  "
                f"p50 {result['p50_ms']:.2f} ms  p99 {result['p99_ms']:.2f} ms{cpu}  "
                f"({result['count']} requests, {result['connects']} connects)")
    return results


def summarise(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """Medians over rounds (``cpu_ms`` is None where it cannot be measured), plus per-round rps."""
    return {
        "rps": round(statistics.median(r["rps"] for r in rounds), 1),
        "p50_ms": round(statistics.median(r["p50_ms"] for r in rounds), 3),
        "p99_ms": round(statistics.median(r["p99_ms"] for r in rounds), 3),
        "cpu_ms": (round(statistics.median(r["cpu_ms"] for r in rounds), 3)
                   if all("cpu_ms" in r for r in rounds) else None),
        "per_round": [r["rps"] for r in rounds],
        "requests": sum(r["count"] for r in rounds),
        "failures": sum(r["non_2xx"] + r["errors"] for r in rounds),
    }


def versus_hello(name: str, measured: Mapping[str, Any], hello: Mapping[str, Any],
                 args: argparse.Namespace, report: Mapping[str, Any]) -> dict[str, Any]:
    """The fields every "page against the bare hello view" benchmark reports: the setup, the
    latencies and CPU of both, and the per-round rates (``measured`` and ``hello`` are
    round summaries with rps, p50_ms, p99_ms, cpu_ms, per_round, requests, failures)."""
    return {
        "server": args.server,
        "workers": args.workers,
        "threads": args.threads if SERVERS[args.server].threaded else 1,
        "connections": args.connections,
        "duration": args.duration,
        "warmup": args.warmup,
        "rounds": args.rounds,
        "database": report["database"]["vendor"],
        "cache": "redis" if os.environ.get("REDIS_URL") else "locmem",
        "p50_ms": measured["p50_ms"],
        "p99_ms": measured["p99_ms"],
        "baseline_p50_ms": hello["p50_ms"],
        "baseline_p99_ms": hello["p99_ms"],
        "cpu_ms": measured["cpu_ms"],
        "baseline_cpu_ms": hello["cpu_ms"],
        "per_round": {name: measured["per_round"], "hello": hello["per_round"]},
        "requests": measured["requests"] + hello["requests"],
        "failures": measured["failures"] + hello["failures"],
    }
