"""servers: the hello benchmark on every application server at once, interleaved round by round.

This is how the choice of application server (docs/decisions/0003-application-server.md) was
measured, kept so the decision can be checked again when a server, Django or the machine changes.
All servers run side by side (idle ones cost nothing) and are loaded in turn within each round,
so a noisy neighbour on a shared machine slows every server alike instead of whichever happened
to run at the time. ``value`` is the chosen server's (``--server``) /healthz throughput,
``baseline`` is gunicorn's with sync workers (the server TrustMart started with), and ``ratio``
is how much faster the choice is.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import tempfile
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from bench.common import BenchError, alternate, health, log, summarise
from bench.hello import TARGETS
from bench.server import SERVERS, Server, fresh_database, prepare, production_env

REFERENCE = "gunicorn"


def add_arguments(group: argparse._ArgumentGroup) -> None:
    group.add_argument("--servers", default="",
                       help="comma-separated servers to compare (default: every installed one)")


def _kinds(args: argparse.Namespace) -> list[str]:
    if args.servers:
        kinds = [kind.strip() for kind in args.servers.split(",") if kind.strip()]
        unknown = [kind for kind in kinds if kind not in SERVERS]
        if unknown:
            raise BenchError(f"unknown servers {unknown}; choose from {', '.join(SERVERS)}")
    else:
        kinds = [kind for kind, spec in SERVERS.items()
                 if importlib.util.find_spec(spec.module) is not None]
    for needed in (args.server, REFERENCE):  # value and baseline are always measured
        if needed not in kinds:
            kinds.insert(0, needed)
    return kinds


def run(args: argparse.Namespace) -> dict[str, Any]:
    kinds = _kinds(args)
    log(f"servers: {', '.join(kinds)}")
    with ExitStack() as stack:
        data_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="trustmart-bench-")))
        env = production_env(data_dir, stack.enter_context(fresh_database(os.environ)))
        prepare(env)
        servers: dict[str, Server] = {}
        for kind in kinds:
            server = Server(kind, env, workers=args.workers, threads=args.threads,
                            log_path=data_dir / f"{kind}.log")
            servers[kind] = stack.enter_context(server)
        database = health(servers[kinds[0]])["database"]["vendor"]
        targets = {f"{kind} {name}": (server, path)
                   for kind, server in servers.items() for name, path in TARGETS.items()}
        rounds = alternate(targets, args)
    figures: dict[str, dict[str, Any]] = {}
    for kind in kinds:
        healthz = summarise(rounds[f"{kind} healthz"])
        hello = summarise(rounds[f"{kind} hello"])
        figures[kind] = {
            "healthz_rps": healthz["rps"], "hello_rps": hello["rps"],
            "ratio": round(healthz["rps"] / hello["rps"], 3) if hello["rps"] else 0.0,
            "healthz_p50_ms": healthz["p50_ms"], "healthz_p99_ms": healthz["p99_ms"],
            "hello_p50_ms": hello["p50_ms"], "hello_p99_ms": hello["p99_ms"],
            "healthz_cpu_ms": healthz["cpu_ms"], "hello_cpu_ms": hello["cpu_ms"],
            "healthz_per_round": healthz["per_round"], "hello_per_round": hello["per_round"],
            "threads": args.threads if SERVERS[kind].threaded else 1,
        }
    value, baseline = figures[args.server]["healthz_rps"], figures[REFERENCE]["healthz_rps"]
    return {
        "value": value,
        "unit": "req/s",
        "baseline": baseline,
        "ratio": round(value / baseline, 3) if baseline else 0.0,
        "server": args.server,
        "reference": REFERENCE,
        "workers": args.workers,
        "connections": args.connections,
        "duration": args.duration,
        "warmup": args.warmup,
        "rounds": args.rounds,
        "database": database,
        "servers": figures,
    }
