"""flash_sale: 500 buyers at once for 100 units of one SKU; nothing may be oversold.

Every buyer (seeded with a token and an address) sends one cart line and one checkout at the
same moment, and pays if its checkout succeeded. The figures that matter are correctness ones:
``sold`` must equal the stock and ``oversold`` (paid units beyond the stock, or negative stock)
must be 0. ``value`` is orders paid per second of the sale; ``baseline`` is hello's bare view on
the same server in the same run, ``p99_ms`` the checkout request's latency under the stampede.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from bench.checkout import Shopper, run_seed
from bench.common import BenchError, health, log
from bench.load import measure
from bench.server import Server, fresh_database, prepare, production_env

MAX_BUYERS = 1000


def add_arguments(group: argparse._ArgumentGroup) -> None:
    group.add_argument("--buyers", type=int, default=500,
                       help="flash_sale: concurrent buyers (default: 500)")
    group.add_argument("--stock", type=int, default=100,
                       help="flash_sale: units on sale (default: 100)")


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered), max(1, round(fraction * len(ordered) + 0.5))) - 1]


def stampede(port: int, buyers: list[dict[str, Any]], secret: str, sku_id: int
             ) -> dict[str, Any]:
    """All buyers released together by a barrier; one attempt each."""
    barrier = threading.Barrier(len(buyers))
    statuses: dict[str, int] = {}
    latencies: list[float] = []
    paid = [0]
    lock = threading.Lock()
    finished: list[float] = []

    def attempt(buyer: dict[str, Any]) -> None:
        shopper = Shopper(port, buyer, secret)
        try:
            barrier.wait()
            started = time.perf_counter()
            status, body = shopper.checkout(sku_id)
            took = time.perf_counter() - started
            ok = status == 201 and shopper.pay(body["checkout_no"])
            with lock:
                statuses[str(status)] = statuses.get(str(status), 0) + 1
                latencies.append(took)
                paid[0] += ok
                finished.append(time.perf_counter())
        finally:
            shopper.close()

    begun = time.perf_counter()
    with ThreadPoolExecutor(max_workers=len(buyers)) as pool:
        for future in [pool.submit(attempt, buyer) for buyer in buyers]:
            future.result()
    elapsed = max(finished) - begun if finished else 0.0
    return {"statuses": statuses, "paid": paid[0], "elapsed": elapsed,
            "p50_ms": round(statistics.median(latencies) * 1000, 1) if latencies else 0.0,
            "p99_ms": round(_percentile(latencies, 0.99) * 1000, 1)}


def run(args: argparse.Namespace) -> dict[str, Any]:
    if not 1 <= args.buyers <= MAX_BUYERS or args.stock < 1:
        raise BenchError(f"buyers must be 1..{MAX_BUYERS} and stock >= 1")
    with tempfile.TemporaryDirectory(prefix="trustmart-bench-") as data_dir, \
            fresh_database(os.environ) as base_env:
        env = production_env(Path(data_dir), base_env)
        env["SANDBOX_PAYMENT_SECRET"] = secret = secrets.token_hex(32)
        prepare(env)
        log(f"seeding a product with {args.stock} units and {args.buyers} buyers")
        seeded = run_seed(env, "bench.checkout", "seed", str(args.buyers), str(args.stock))
        with Server(args.server, env, workers=args.workers, threads=args.threads) as server:
            report = health(server)
            hello = measure(server.url("/bench/hello"), connections=args.connections,
                            duration=args.duration, warmup=args.warmup)
            log(f"hello: {hello['rps']} req/s")
            sale = stampede(server.port, seeded["buyers"], secret, seeded["sku_id"])
            log(f"sale: {sale}")
        counted = run_seed(env, "bench.checkout", "tally", str(seeded["sku_id"]))
    oversold = max(0, counted["paid_units"] - args.stock) + max(0, -counted["stock"])
    value = round(sale["paid"] / sale["elapsed"], 1) if sale["elapsed"] else 0.0
    return {
        "value": value,
        "unit": "orders/s",
        "baseline": hello["rps"],
        "ratio": round(value / hello["rps"], 4) if hello["rps"] else None,
        "sold": counted["paid_units"],
        "stock": args.stock,
        "stock_left": counted["stock"],
        "unpaid_units": counted["unpaid_units"],
        "oversold": oversold,
        "buyers": args.buyers,
        "checkout_statuses": sale["statuses"],
        "p50_ms": sale["p50_ms"],
        "p99_ms": sale["p99_ms"],
        "sale_seconds": round(sale["elapsed"], 2),
        "server": args.server,
        "workers": args.workers,
        "threads": args.threads,
        "database": report["database"]["vendor"],
    }
