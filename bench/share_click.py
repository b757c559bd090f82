"""share_click: visits per second on one share link (record + redirect), against hello's bare view.

A share going viral: every client connection opens ``GET /s/<code>?ch=weibo`` as a new phone
(no cookies kept), so each request looks the share up, checks the burst window and first-visit
facts, inserts one ``Visit``, writes the new session that remembers the share for the cart, sets
the device cookie and answers ``302`` to the product page in the sharer's store. The product,
store and share are made through the apps' services in a child process with the server's
settings, in the benchmark's temporary database (a fresh PostgreSQL database when
``DATABASE_URL`` names one). The baseline is hello's constant view on the same server in the
same run, interleaved round by round; ``ratio`` (clicks / bare) is the share of Django's own
throughput left once a click is recorded. Only 302 answers count as clicks.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from contextlib import suppress
from pathlib import Path
from typing import Any

from bench.common import BenchError, health, log, versus_hello
from bench.load import measure
from bench.server import REPO_ROOT, Server, fresh_database, prepare, production_env

MAX_FAILURE_SHARE = 0.01


def _seed() -> dict[str, Any]:
    from bench.product_page import _seed as seed_product

    seeded = seed_product()  # sets Django up, makes a realistic visible product
    from trustmart.accounts.models import User
    from trustmart.sharing import services as sharing
    from trustmart.stores import services as stores

    owner = User.objects.create_user(mobile="13900009101", nickname="小雨")
    stores.store_open(owner=owner, name="小雨的好物分享")
    stores.store_item_add(owner=owner, product_id=seeded["product_id"])
    share = sharing.share_create(user=owner, target="product", product_id=seeded["product_id"],
                                 channel="weibo")
    return {"code": share.code, "product_id": seeded["product_id"]}


def _round(server: Server, path: str, expect: int, args: argparse.Namespace) -> dict[str, Any]:
    cpu_before = server.cpu_seconds()
    result = measure(server.url(path), connections=args.connections, duration=args.duration,
                     warmup=args.warmup)
    cpu_after = server.cpu_seconds()
    good = int(result["statuses"].get(str(expect), 0))
    bad = int(result["count"]) - good + int(result["errors"])
    if good == 0 or bad > MAX_FAILURE_SHARE * max(1, int(result["count"])):
        raise BenchError(f"{path}: {good} x {expect}, statuses {result['statuses']}, "
                         f"{result['errors']} errors {result['error_kinds']}")
    result["good"], result["bad"] = good, bad
    result["rate"] = round(good / result["elapsed"], 1) if result["elapsed"] else 0.0
    if cpu_before is not None and cpu_after is not None and result["total"]:
        result["cpu_ms"] = round((cpu_after - cpu_before) * 1000 / result["total"], 3)
    return result


def _summary(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "rps": round(statistics.median(r["rate"] for r in rounds), 1),
        "p50_ms": round(statistics.median(r["p50_ms"] for r in rounds), 3),
        "p99_ms": round(statistics.median(r["p99_ms"] for r in rounds), 3),
        "cpu_ms": (round(statistics.median(r["cpu_ms"] for r in rounds), 3)
                   if all("cpu_ms" in r for r in rounds) else None),
        "per_round": [r["rate"] for r in rounds],
        "requests": sum(r["count"] for r in rounds),
        "failures": sum(r["bad"] for r in rounds),
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="trustmart-bench-") as data_dir, \
            fresh_database(os.environ) as base_env:
        env = production_env(Path(data_dir), base_env)
        prepare(env)
        log("creating the product, the store and the share through the apps' services")
        done = subprocess.run([sys.executable, "-m", "bench.share_click", "seed"], env=env,
                              cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True, timeout=600,
                              check=False)
        if done.returncode != 0 or not done.stdout.strip():
            raise BenchError(f"creating the share failed (exit {done.returncode})")
        seeded = json.loads(done.stdout.strip().splitlines()[-1])
        link = f"/s/{seeded['code']}?ch=weibo"
        with Server(args.server, env, workers=args.workers, threads=args.threads) as server:
            report = health(server)
            status, body = server.get(link)
            if status != 302:
                raise BenchError(f"{link} answered {status}: {body[:300]!r}")
            clicks: list[dict[str, Any]] = []
            hellos: list[dict[str, Any]] = []
            for number in range(1, args.rounds + 1):
                clicks.append(_round(server, link, 302, args))
                hellos.append(_round(server, "/bench/hello", 200, args))
                log(f"round {number}/{args.rounds}: clicks {clicks[-1]['rate']:8.1f}/s  "
                    f"hello {hellos[-1]['rate']:8.1f}/s")
            visits = _visit_count(env)
    click, hello = _summary(clicks), _summary(hellos)
    return {
        "value": click["rps"],
        "unit": "visits/s",
        "baseline": hello["rps"],
        "ratio": round(click["rps"] / hello["rps"], 3) if hello["rps"] else 0.0,
        "path": "GET /s/<code>?ch=weibo (new phone each time, 302) vs GET /bench/hello",
        "visits_recorded": visits,
        **versus_hello("share_click", click, hello, args, report),
    }


def _visit_count(env: dict[str, str]) -> int:
    done = subprocess.run([sys.executable, "-m", "bench.share_click", "count"], env=env,
                          cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True, timeout=120,
                          check=False)
    return int(done.stdout.strip().splitlines()[-1]) if done.returncode == 0 else -1


def _count() -> int:
    import django

    django.setup()
    from trustmart.sharing.models import Visit

    return Visit.objects.count()


if __name__ == "__main__" and sys.argv[1:] == ["seed"]:
    with suppress(BrokenPipeError):
        print(json.dumps(_seed()), flush=True)
elif __name__ == "__main__" and sys.argv[1:] == ["count"]:
    print(_count(), flush=True)
