"""``python -m bench NAME``: run one benchmark and print its result as the last line of stdout.

Benchmarks are found, not listed: any module ``bench/<name>.py`` with a ``run(args) -> dict``
function is one, so adding a benchmark touches no other file. The dict needs at least ``value``,
``unit``, ``baseline`` and ``ratio``; ``bench`` and a few facts about the run are added here. A
module may also define ``add_arguments(group)`` for options of its own. Progress goes to stderr,
so tools can read the result with ``tail -n 1``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import pkgutil
import platform
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from types import FrameType, ModuleType
from typing import Any, NoReturn

import bench
from bench.common import BenchError
from bench.load import LoadError
from bench.server import DEFAULT_SERVER, SERVERS, ServerError

# Modules of the harness itself; importing some (settings, urls, asgi) would configure Django.
SUPPORT_MODULES = frozenset({"asgi", "common", "load", "server", "settings", "urls"})
REQUIRED_KEYS = ("bench", "value", "unit", "baseline", "ratio")


def discover() -> dict[str, ModuleType]:
    """Every benchmark module in the ``bench`` package, by name."""
    found: dict[str, ModuleType] = {}
    for info in sorted(pkgutil.iter_modules(bench.__path__), key=lambda info: info.name):
        if info.ispkg or info.name.startswith("_") or info.name in SUPPORT_MODULES:
            continue
        module = importlib.import_module(f"bench.{info.name}")
        if callable(getattr(module, "run", None)):
            found[info.name] = module
    return found


def summary_line(module: ModuleType) -> str:
    return (module.__doc__ or "").strip().split("\n", 1)[0]


def build_parser(benchmarks: dict[str, ModuleType]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Run one TrustMart benchmark against a real application server.",
    )
    parser.add_argument("name", nargs="?", help="the benchmark to run (see --list)")
    parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    parser.add_argument("--server", choices=sorted(SERVERS), default=DEFAULT_SERVER,
                        help=f"application server (default: {DEFAULT_SERVER})")
    parser.add_argument("--workers", type=int, default=2,
                        help="server worker processes (default: 2, one per core here)")
    parser.add_argument("--threads", type=int, default=4,
                        help="threads per worker, for threaded servers (default: 4)")
    parser.add_argument("--connections", type=int, default=16,
                        help="concurrent client connections (default: 16)")
    parser.add_argument("--duration", type=float, default=5.0,
                        help="measured seconds per target and round (default: 5)")
    parser.add_argument("--warmup", type=float, default=1.0,
                        help="unmeasured seconds before each measurement (default: 1)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds; targets alternate within each (default: 3)")
    for name, module in benchmarks.items():
        add_arguments = getattr(module, "add_arguments", None)
        if callable(add_arguments):
            add_arguments(parser.add_argument_group(f"{name} options"))
    return parser


def _terminate(signum: int, frame: FrameType | None) -> NoReturn:
    """Turn SIGTERM into SystemExit so ``finally`` blocks stop the servers we started."""
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, _terminate)
    benchmarks = discover()
    parser = build_parser(benchmarks)
    args = parser.parse_args(argv)
    if args.list:
        for name, module in benchmarks.items():
            print(f"{name:<16} {summary_line(module)}")
        return 0
    if args.name not in benchmarks:
        parser.error(f"choose a benchmark from: {', '.join(benchmarks)} (got {args.name!r})")
    if min(args.workers, args.threads, args.connections, args.rounds) < 1 or args.duration <= 0:
        parser.error("workers, threads, connections and rounds must be >= 1, duration > 0")

    started = time.monotonic()
    try:
        result: dict[str, Any] = benchmarks[args.name].run(args)
    except (BenchError, ServerError, LoadError, subprocess.TimeoutExpired) as exc:
        print(f"bench {args.name}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # the servers are already stopped by the context managers
        print(f"bench {args.name}: interrupted", file=sys.stderr)
        return 130
    output = {
        "bench": args.name,
        **result,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "seconds": round(time.monotonic() - started, 1),
    }
    missing = [key for key in REQUIRED_KEYS if key not in output]
    if missing:
        print(f"bench {args.name}: result lacks {', '.join(missing)}", file=sys.stderr)
        return 1
    print(json.dumps(output, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
