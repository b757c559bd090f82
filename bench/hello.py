"""hello: requests per second of /healthz, against a bare Django view on the same server.

``/healthz`` is what load balancers poll, and the simplest view that touches the database
(``SELECT 1``) and the cache (set and get). The baseline is a view that returns a constant through
the same middleware, so ``ratio`` (healthz / bare) is the share of Django's own throughput that
is left once a request touches the database and the cache; it is far less sensitive to the
machine than either figure alone.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from bench.common import alternate, health, summarise
from bench.server import SERVERS, running_server

TARGETS = {"healthz": "/healthz", "hello": "/bench/hello"}


def run(args: argparse.Namespace) -> dict[str, Any]:
    with running_server(args.server, workers=args.workers, threads=args.threads) as server:
        report = health(server)
        rounds = alternate({name: (server, path) for name, path in TARGETS.items()}, args)
    healthz, hello = summarise(rounds["healthz"]), summarise(rounds["hello"])
    return {
        "value": healthz["rps"],
        "unit": "req/s",
        "baseline": hello["rps"],
        "ratio": round(healthz["rps"] / hello["rps"], 3) if hello["rps"] else 0.0,
        "server": args.server,
        "workers": args.workers,
        "threads": args.threads if SERVERS[args.server].threaded else 1,
        "connections": args.connections,
        "duration": args.duration,
        "warmup": args.warmup,
        "rounds": args.rounds,
        "database": report["database"]["vendor"],
        # healthz names the cache's proxy class, not its backend; the settings pick it this way.
        "cache": "redis" if os.environ.get("REDIS_URL") else "locmem",
        "p50_ms": healthz["p50_ms"],
        "p99_ms": healthz["p99_ms"],
        "baseline_p50_ms": hello["p50_ms"],
        "baseline_p99_ms": hello["p99_ms"],
        # Server CPU per request: steadier than rps when the machine is shared.
        "cpu_ms": healthz["cpu_ms"],
        "baseline_cpu_ms": hello["cpu_ms"],
        "per_round": {"healthz": healthz["per_round"], "hello": hello["per_round"]},
        "requests": healthz["requests"] + hello["requests"],
        "failures": healthz["failures"] + hello["failures"],
    }
