"""Kill test: production processes SIGKILLed under load, then the books must still be right.

A production server (granian, as README's Scaling out runs it, on a sibling PostgreSQL database
like the benchmarks') takes concurrent checkouts, payments and duplicate sandbox callbacks
(sent twice at once, then again) with ``TRUSTMART_WORKER=1``: the web process only records
events. In the first round no worker runs and some checkouts are left unpaid; then the server
and a ``trustmart worker`` are SIGKILLed mid-load several times and restarted. Buyers retry
what a kill interrupted with the same idempotency keys, as a client would.

Afterwards a worker runs until the unpaid checkouts' expiry job has passed them, stops on
SIGTERM (exit 0), and ``trustmart worker --until-idle`` catches up. Then: ``trustmart
ledger-check`` is clean, no SKU is below zero and stock is conserved, no checkout past its
expiry holds stock, each paid checkout has exactly one succeeded payment, a late payment got its
refund, and every outbox event is delivered with each of its handlers run once.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from bench.checkout import run_seed, signed_callback
from bench.server import HOST, Server, fresh_database, prepare, production_env

from tests.live import probe
from trustmart.core.events import handlers_for

pytestmark = pytest.mark.postgres

CLIENTS = 6
STOCK = 600
KILLS = 4
ROUND_SECONDS = 6.0
UNPAID_SHARE = 0.3  # of the first round's checkouts, left to expire
TIMEOUT = 30.0


@dataclass
class Shop:
    """What the buyers' threads share: where the server is now, and what they saw."""

    port: int | None = None
    stop: threading.Event = field(default_factory=threading.Event)
    leave_unpaid: bool = True
    lock: threading.Lock = field(default_factory=threading.Lock)
    counts: Counter[str] = field(default_factory=Counter)
    unpaid: list[str] = field(default_factory=list)

    def count(self, what: str, n: int = 1) -> None:
        with self.lock:
            self.counts[what] += n


class Buyer:
    """One buyer's loop over whole purchases, riding out server deaths by retrying each request
    (same idempotency key) until a server answers."""

    def __init__(self, shop: Shop, buyer: dict[str, Any], sku_id: int, secret: str,
                 seed: int) -> None:
        self.shop, self.buyer, self.sku_id, self.secret = shop, buyer, sku_id, secret
        self.rng = random.Random(seed)
        self.n = 0

    def request(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, Any] | None:
        """POST until some server answers; None once the shop stops."""
        while not self.shop.stop.is_set():
            port = self.shop.port
            if port is None:
                time.sleep(0.05)
                continue
            connection = http.client.HTTPConnection(HOST, port, timeout=TIMEOUT)
            try:
                connection.request("POST", path, body,
                                   {"Content-Type": "application/json", **headers})
                response = connection.getresponse()
                data = response.read()
            except (OSError, http.client.HTTPException):
                self.shop.count("interrupted_requests")
                time.sleep(0.05)
                continue
            finally:
                connection.close()
            try:
                return response.status, json.loads(data) if data else None
            except ValueError:
                return response.status, None
        return None

    def api(self, path: str, payload: dict[str, Any], key: str = "") -> tuple[int, Any] | None:
        headers = {"Authorization": f"Bearer {self.buyer['token']}"}
        if key:
            headers["Idempotency-Key"] = key
        return self.request(path, json.dumps(payload).encode(), headers)

    def callback(self, headers: dict[str, str], raw: bytes) -> None:
        answer = self.request("/pay/callback/sandbox/", raw, headers)
        if answer is not None:
            self.shop.count("callbacks_ok" if answer == (200, {"code": "SUCCESS"})
                            else f"callback_{answer[0]}")

    def purchase(self) -> None:
        self.n += 1
        added = self.api("/api/orders/cart/lines", {"sku_id": self.sku_id, "quantity": 1})
        if added is None or added[0] != 201:
            self.shop.count(f"cart_{added[0] if added else 'stopped'}")
            return
        checkout = self.api("/api/orders/checkouts", {"address_id": self.buyer["address_id"]},
                            key=f"c{self.buyer['id']}-{self.n}")
        if checkout is None or checkout[0] != 201:
            # 409 idempotency_in_progress: a kill left the first attempt's key behind.
            self.shop.count(f"checkout_{checkout[0] if checkout else 'stopped'}")
            return
        checkout_no = checkout[1]["checkout_no"]
        self.shop.count("checkouts")
        if self.shop.leave_unpaid and self.rng.random() < UNPAID_SHARE:
            with self.shop.lock:
                self.shop.unpaid.append(checkout_no)
            return
        payment = None
        for attempt in range(3):  # a key stuck in progress by a kill: pay under a new key
            payment = self.api("/api/payments/checkouts", {"checkout_no": checkout_no},
                               key=f"p{self.buyer['id']}-{self.n}-{attempt}")
            if payment is None or payment[0] != 409:
                break
        if payment is None or payment[0] != 201:
            self.shop.count(f"payment_{payment[0] if payment else 'stopped'}")
            return
        headers, raw = signed_callback(self.secret, payment[1]["payment_no"],
                                       payment[1]["amount_fen"])
        if self.rng.random() < 0.5:  # the provider notifies twice at once ...
            twin = threading.Thread(target=self.callback, args=(headers, raw))
            twin.start()
            self.callback(headers, raw)
            twin.join()
            self.shop.count("duplicate_callbacks")
        else:
            self.callback(headers, raw)
        self.callback(headers, raw)  # ... and once more later
        self.shop.count("duplicate_callbacks")

    def loop(self) -> None:
        while not self.shop.stop.is_set():
            self.purchase()


def _trustmart(*args: str) -> list[str]:
    return [str(Path(sys.executable).with_name("trustmart")), *args]


def _kill_group(process: subprocess.Popen[bytes] | None) -> None:
    if process is not None and process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def test_sigkilled_server_and_worker_leave_consistent_books(tmp_path: Path) -> None:
    started = time.monotonic()
    secret = secrets.token_hex(32)
    with fresh_database(os.environ) as db_env:
        env = production_env(tmp_path, db_env)
        env.update(TRUSTMART_WORKER="1", SANDBOX_PAYMENT_SECRET=secret, WORKER_POLL_SECONDS="1",
                   ORDER_PAYMENT_TIMEOUT_MINUTES="1", LOG_LEVEL="WARNING")
        env.pop("CELERY_BROKER_URL", None)
        prepare(env)
        seeded = run_seed(env, "bench.checkout", "seed", str(CLIENTS), str(STOCK))
        sku_id = seeded["sku_id"]
        server = Server("granian", env, workers=2, threads=4)
        worker_log = (tmp_path / "worker.log").open("ab")

        def start_worker() -> subprocess.Popen[bytes]:
            return subprocess.Popen(_trustmart("worker"), env=env, cwd=tmp_path,
                                    stdout=worker_log, stderr=subprocess.STDOUT,
                                    start_new_session=True)

        shop = Shop()
        buyers = [Buyer(shop, buyer, sku_id, secret, seed=n)
                  for n, buyer in enumerate(seeded["buyers"])]
        threads = [threading.Thread(target=buyer.loop) for buyer in buyers]
        worker: subprocess.Popen[bytes] | None = None
        try:
            server.start()
            shop.port = server.port
            for thread in threads:
                thread.start()
            load_started = time.monotonic()
            # Only the first half of the first round leaves checkouts unpaid: they expire
            # before the first worker's second run of the expiry job (a minute after its start).
            time.sleep(ROUND_SECONDS / 2)
            shop.leave_unpaid = False
            pace = random.Random(2026)
            restarts: list[float] = []
            for kill in range(KILLS):
                time.sleep(ROUND_SECONDS * (0.5 if kill == 0 else pace.uniform(0.7, 1.3)))
                shop.port = None
                server.kill()  # mid-request: the buyers' connections break
                _kill_group(worker)
                shop.count("kills")
                down = time.monotonic()
                server.start()
                worker = start_worker()
                shop.port = server.port
                restarts.append(round(time.monotonic() - down, 1))
            time.sleep(ROUND_SECONDS)
            shop.stop.set()
            for thread in threads:
                thread.join(timeout=60)
            load_seconds = time.monotonic() - load_started
            assert shop.unpaid, shop.counts

            # The unpaid checkouts expire; the worker's expiry job must pass them.
            last_expiry = max(_expiry(env, number) for number in shop.unpaid)
            _wait(lambda: _last_started(env, "orders.expire_unpaid") > last_expiry, 180,
                  "the expiry job to run after the unpaid checkouts expired")
            assert worker is not None
            worker.send_signal(signal.SIGTERM)
            assert worker.wait(timeout=60) == 0
            catch_up = subprocess.run(_trustmart("worker", "--until-idle"), env=env,
                                      cwd=tmp_path, capture_output=True, text=True,
                                      timeout=300, check=False)
            assert catch_up.returncode == 0, catch_up.stderr[-3000:]
        finally:
            shop.stop.set()
            server.stop()
            _kill_group(worker)
            worker_log.close()

        check = subprocess.run(_trustmart("ledger-check"), env=env, cwd=tmp_path,
                               capture_output=True, text=True, timeout=120, check=False)
        assert check.returncode == 0, check.stdout + check.stderr
        figures = _assert_consistent(env, sku_id, shop)
    figures.update(kills=shop.counts["kills"], restart_seconds=restarts,
                   load_seconds=round(load_seconds, 1), checkouts=shop.counts["checkouts"],
                   total_seconds=round(time.monotonic() - started, 1),
                   interrupted_requests=shop.counts["interrupted_requests"],
                   duplicate_callbacks=shop.counts["duplicate_callbacks"],
                   refused=sorted(k for k in shop.counts if k.split("_")[0] in
                                  {"cart", "checkout", "payment", "callback"}))
    print(f"\nkill test: {json.dumps(figures)}")


def _expiry(env: dict[str, str], checkout_no: str) -> Any:
    [(expires_at,)] = probe.query(
        env, "SELECT expires_at FROM orders_checkout WHERE checkout_no = ?", (checkout_no,))
    return expires_at


def _last_started(env: dict[str, str], job: str) -> datetime:
    rows = probe.query(env, "SELECT last_started_at FROM core_jobclaim WHERE name = ?", (job,))
    return rows[0][0] if rows and rows[0][0] else datetime.min.replace(tzinfo=UTC)


def _wait(condition: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def _assert_consistent(env: dict[str, str], sku_id: int, shop: Shop) -> dict[str, Any]:
    def one(sql: str, params: tuple[Any, ...] = ()) -> Any:
        [(value,)] = probe.query(env, sql, params)
        return value

    assert one("SELECT count(*) FROM catalog_sku WHERE stock < 0") == 0
    held = one("SELECT coalesce(sum(l.quantity), 0) FROM orders_orderline l "
               "JOIN orders_order o ON o.id = l.order_id "
               "WHERE l.sku_id = ? AND o.status NOT IN ('cancelled', 'refunded')", (sku_id,))
    assert one("SELECT stock FROM catalog_sku WHERE id = ?", (sku_id,)) + held == STOCK

    expire_ran = _last_started(env, "orders.expire_unpaid")
    assert one("SELECT count(*) FROM orders_checkout WHERE status = 'awaiting_payment' "
               "AND expires_at < ?", (expire_ran,)) == 0  # nothing past expiry holds stock
    expired = one("SELECT count(*) FROM orders_checkout WHERE status = 'expired'")
    assert expired >= len(shop.unpaid) > 0

    per_checkout = probe.query(
        env, "SELECT c.checkout_no, count(p.id) FROM orders_checkout c "
             "LEFT JOIN payments_payment p ON p.reference = 'checkout:' || c.checkout_no "
             "AND p.status = 'succeeded' WHERE c.status = 'paid' GROUP BY c.checkout_no")
    assert per_checkout and {count for _number, count in per_checkout} == {1}
    # A payment that succeeded for a checkout no longer payable is given back.
    late = one("SELECT count(*) FROM payments_payment p JOIN orders_checkout c "
               "ON p.reference = 'checkout:' || c.checkout_no "
               "WHERE p.status = 'succeeded' AND c.status <> 'paid' AND NOT EXISTS "
               "(SELECT 1 FROM payments_refund r WHERE r.payment_id = p.id)")
    assert late == 0

    outbox = probe.outbox(env)
    assert Counter(row["status"] for row in outbox) == Counter(delivered=len(outbox))
    handled = Counter(probe.handled(env))
    for row in outbox:
        for handler in handlers_for(row["name"]):
            assert handled[(row["id"], handler)] == 1, (row["name"], handler)
    paid_orders = one("SELECT count(*) FROM orders_order WHERE status = 'paid'")
    assert Counter(row["name"] for row in outbox)["order.paid"] == paid_orders
    return {"paid_checkouts": len(per_checkout), "paid_orders": paid_orders,
            "expired_checkouts": expired, "left_unpaid": len(shop.unpaid),
            "events": len(outbox), "handled": sum(handled.values()),
            "callbacks": one("SELECT count(*) FROM payments_callbacklog")}
