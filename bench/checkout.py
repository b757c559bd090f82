"""checkout: completed orders per second over HTTP (cart, checkout, payment, signed callback).

Each client is one buyer looping over the four requests of a purchase: add one unit to the cart,
check out (one order, one merchant), start the sandbox payment and post the provider's signed
success callback. An order counts when the callback answers 200 inside the measured window.

``baseline`` is the database's own ceiling for the same work: the SQL statements the project
issued for one order (captured in the seed process, grouped into the application's own
transactions), replayed by ``pgbench`` with the same number of clients. ``ratio`` (orders/s over
pgbench tps) is the share of the database's throughput the application keeps after HTTP, Python
and Django. Only meaningful on PostgreSQL; elsewhere the baseline is null with a note.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import http.client
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import suppress
from pathlib import Path
from typing import Any

from bench.common import BenchError, health, log
from bench.load import measure
from bench.server import HOST, REPO_ROOT, Server, fresh_database, prepare, production_env

JSON = "application/json"
TIMEOUT = 60.0


# --- seeding (runs in a child process with the server's settings) ---------------------------
def seed(*, buyers: int, stock: int, capture: str = "") -> dict[str, Any]:
    """One merchant's live product (from product_page's seed), one SKU with ``stock`` units
    and no purchase limit, and ``buyers`` buyers each with an API token and an address."""
    from bench.product_page import _seed as product_seed

    seeded = product_seed()  # calls django.setup()
    from trustmart.accounts.models import User
    from trustmart.accounts.services import api_token_create
    from trustmart.catalog.models import Product, Sku
    from trustmart.orders.services import address_create

    Product.objects.filter(pk=seeded["product_id"]).update(purchase_limit=None)
    skus = Sku.objects.filter(product_id=seeded["product_id"]).order_by("pk")
    sku = skus[0]
    skus.update(stock=0)
    Sku.objects.filter(pk=sku.pk).update(stock=stock)
    out: dict[str, Any] = {"sku_id": sku.pk, "price_fen": sku.price_fen, "stock": stock,
                           "buyers": []}
    for n in range(buyers + (1 if capture else 0)):
        user = User.objects.create_user(mobile=f"137{n:08d}", nickname=f"买家{n}")
        _token, raw = api_token_create(user=user, name="bench")
        address = address_create(user=user, recipient_name="张三", mobile=user.mobile,
                                 province="浙江", city="杭州市", district="西湖区",
                                 detail=f"文三路 {n} 号")
        out["buyers"].append({"id": user.pk, "token": raw, "address_id": address.pk})
    if capture:
        capturer = out["buyers"].pop()
        out["queries_per_order"] = _capture(capturer, sku.pk, Path(capture),
                                            first_buyer=out["buyers"][0]["id"])
        Sku.objects.filter(pk=sku.pk).update(stock=stock)
    return out


def _capture(buyer: dict[str, Any], sku_id: int, script: Path, *, first_buyer: int) -> int:
    """Run one warm-up order and one captured order in-process; write the pgbench script."""
    from django.db import connection
    from django.test import Client

    from trustmart.core.models import OutboxEvent
    from trustmart.ledger.models import Hold
    from trustmart.orders.models import Checkout
    from trustmart.payments.models import Payment

    client = Client(HTTP_HOST=HOST, HTTP_AUTHORIZATION=f"Bearer {buyer['token']}")
    secret = os.environ["SANDBOX_PAYMENT_SECRET"]
    nonce = "nonce000000000"
    _in_process_order(client, secret, sku_id, buyer["address_id"], "warmup-000000000", nonce)
    commits = [0]
    marks: list[tuple[bool, int]] = []
    statements: list[str] = []
    original_commit = connection._commit  # type: ignore[attr-defined]

    def counting_commit() -> None:
        commits[0] += 1
        original_commit()

    def mark(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        marks.append((connection.in_atomic_block, commits[0]))
        result = execute(sql, params, many, context)
        statements.append(connection.ops.last_executed_query(context["cursor"], sql, params))
        return result

    events_before = set(OutboxEvent.objects.values_list("pk", flat=True))
    connection._commit = counting_commit  # type: ignore[attr-defined]
    try:
        with connection.execute_wrapper(mark):
            numbers = _in_process_order(client, secret, sku_id, buyer["address_id"],
                                        "capture-000000000", nonce)
    finally:
        connection._commit = original_commit  # type: ignore[attr-defined]
    checkout = Checkout.objects.get(checkout_no=numbers["checkout_no"])
    order = checkout.orders.get()
    payment = Payment.objects.get(payment_no=numbers["payment_no"])
    hold = Hold.objects.get(reference=f"order:{order.order_no}:escrow")
    events = [e for e in OutboxEvent.objects.all() if e.pk not in events_before]
    tokens = {numbers["checkout_no"], order.order_no, payment.payment_no, nonce,
              "capture-000000000", *(str(e.pk) for e in events),
              *(e.pk.hex for e in events if hasattr(e.pk, "hex"))}
    own = {"orders_cartline": numbers["line_id"], "orders_checkout": checkout.pk,
           "orders_order": order.pk, "payments_payment": payment.pk, "ledger_hold": hold.pk}
    script.write_text(pgbench_script(statements, marks, tokens=tokens, own_ids=own,
                                     buyer_id=buyer["id"], first_buyer=first_buyer))
    return len(statements)


def _in_process_order(client: Any, secret: str, sku_id: int, address_id: int, key: str,
                      nonce: str) -> dict[str, Any]:
    response = client.post("/api/orders/cart/lines", {"sku_id": sku_id, "quantity": 1},
                           content_type=JSON)
    added = response.json()["line"]
    checkout = client.post("/api/orders/checkouts", {"address_id": address_id},
                           content_type=JSON, HTTP_IDEMPOTENCY_KEY=f"c{key}").json()
    payment = client.post("/api/payments/checkouts", {"checkout_no": checkout["checkout_no"]},
                          content_type=JSON, HTTP_IDEMPOTENCY_KEY=f"p{key}").json()
    headers, body = signed_callback(secret, payment["payment_no"], payment["amount_fen"], nonce)
    meta = {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()}
    done = client.post("/pay/callback/sandbox/", body, content_type=JSON, **meta)
    if done.status_code != 200:
        raise RuntimeError(f"callback answered {done.status_code}: {done.content[:300]!r}")
    return {"checkout_no": checkout["checkout_no"], "payment_no": payment["payment_no"],
            "line_id": added["id"]}


_OWN_ID = re.compile(r'"(\w+)"\."(\w+)" (= |IN \()(\d+)')
_BUYER = re.compile(r'"\w+"\."(?:user_id|buyer_id|payer_id)" = (\d+)')
_RETURNING_ID = re.compile(r'^INSERT INTO "(\w+)".* RETURNING "\w+"\."id"$', re.S)
_FK_TABLES = {"checkout_id": "orders_checkout", "order_id": "orders_order",
              "payment_id": "payments_payment"}


def pgbench_script(statements: list[str], marks: list[tuple[bool, int]], *, tokens: set[str],
                   own_ids: dict[str, int], buyer_id: int, first_buyer: int) -> str:
    """The order's statements as a pgbench script, one BEGIN/COMMIT per app transaction.

    Generated numbers (checkout, order, payment, outbox ids, keys) get a per-transaction
    unique tail ``:u``; the rows the order created are addressed by the ids pgbench's own
    INSERTs return (``\\gset``); each pgbench client buys as a different seeded buyer.
    """
    def rewrite(sql: str) -> str:
        for token in sorted(tokens, key=len, reverse=True):
            if len(token) > 9:
                sql = sql.replace(token, token[:-9] + ":u")

        def own(match: re.Match[str]) -> str:
            table, column, op, value = match.groups()
            target = table if column == "id" else _FK_TABLES.get(column)
            if target in own_ids and own_ids[target] == int(value):
                return f'"{table}"."{column}" {op}:{target}_id'
            return match.group(0)

        sql = _OWN_ID.sub(own, sql)
        sql = _BUYER.sub(lambda m: m.group(0)[:m.start(1) - m.start(0)] + ":buyer"
                         if int(m.group(1)) == buyer_id else m.group(0), sql)
        if sql.startswith('INSERT INTO "orders_cartline"'):
            sql = sql.replace(f"VALUES ({buyer_id},", "VALUES (:buyer,", 1)
        returning = _RETURNING_ID.match(sql)
        if returning and returning.group(1) in own_ids:
            return f"{sql} \\gset {returning.group(1)}_"
        return sql + ";"

    lines = ["\\set n :n + 1", "\\set u 100000000 + :client_id * 10000000 + :n",
             f"\\set buyer {first_buyer} + :client_id"]
    open_txn: int | None = None
    for sql, (atomic, txn) in zip(statements, marks, strict=True):
        if open_txn is not None and (not atomic or txn != open_txn):
            lines.append("COMMIT;")
            open_txn = None
        if atomic and open_txn is None:
            lines.append("BEGIN;")
            open_txn = txn
        lines.append(rewrite(sql))
    if open_txn is not None:
        lines.append("COMMIT;")
    return "\n".join(lines) + "\n"


def run_seed(env: dict[str, str], module: str, *extra: str) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-m", module, *extra], env=env, cwd=REPO_ROOT,
                          stdout=subprocess.PIPE, text=True, timeout=900, check=False)
    if done.returncode != 0 or not done.stdout.strip():
        raise BenchError(f"{module} {' '.join(extra)} failed (exit {done.returncode})")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def tally() -> dict[str, Any]:
    """Paid units and the stock left, read from the database (child process)."""
    import django

    django.setup()
    from django.db.models import Sum

    from trustmart.catalog.models import Sku
    from trustmart.orders.models import Order, OrderLine

    sku_id = int(sys.argv[2])
    paid = (OrderLine.objects.filter(sku_id=sku_id, order__status=Order.Status.PAID)
            .aggregate(n=Sum("quantity"))["n"] or 0)
    unpaid = (OrderLine.objects.filter(sku_id=sku_id,
                                       order__status=Order.Status.AWAITING_PAYMENT)
              .aggregate(n=Sum("quantity"))["n"] or 0)
    stock = Sku.objects.get(pk=sku_id).stock
    return {"paid_units": paid, "unpaid_units": unpaid, "stock": stock,
            "paid_orders": Order.objects.filter(status=Order.Status.PAID).count()}


# --- the client -------------------------------------------------------------------------------
def signed_callback(secret: str, payment_no: str, amount_fen: int,
                    nonce: str | None = None) -> tuple[dict[str, str], bytes]:
    """The sandbox's success notification: HMAC-SHA256 of ``timestamp\\nnonce\\nbody\\n``."""
    timestamp = str(int(time.time()))
    nonce = nonce or secrets.token_hex(16)
    body = json.dumps({"payment_no": payment_no, "txn_id": f"SBX{payment_no}",
                       "amount_fen": amount_fen, "outcome": "succeeded",
                       "timestamp": int(timestamp), "nonce": nonce},
                      separators=(",", ":")).encode()
    message = timestamp.encode() + b"\n" + nonce.encode() + b"\n" + body + b"\n"
    signature = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    return {"X-Sandbox-Timestamp": timestamp, "X-Sandbox-Nonce": nonce,
            "X-Sandbox-Signature": signature}, body


class Shopper:
    """One buyer on one keep-alive connection to the loopback server."""

    def __init__(self, port: int, buyer: dict[str, Any], secret: str) -> None:
        self.port, self.buyer, self.secret = port, buyer, secret
        self.connection = http.client.HTTPConnection(HOST, port, timeout=TIMEOUT)
        self.n = 0

    def post(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, Any]:
        for attempt in (1, 2):
            try:
                self.connection.request("POST", path, body, {"Content-Type": JSON, **headers})
                response = self.connection.getresponse()
                data = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.connection.close()
                self.connection = http.client.HTTPConnection(HOST, self.port, timeout=TIMEOUT)
                if attempt == 2:
                    raise
        try:
            return response.status, json.loads(data) if data else None
        except ValueError:
            return response.status, None

    def api(self, path: str, payload: dict[str, Any], key: str = "") -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {self.buyer['token']}"}
        if key:
            headers["Idempotency-Key"] = key
        return self.post(path, json.dumps(payload).encode(), headers)

    def checkout(self, sku_id: int) -> tuple[int, Any]:
        """Cart line, then checkout; (status of the checkout, its body)."""
        self.n += 1
        status, body = self.api("/api/orders/cart/lines", {"sku_id": sku_id, "quantity": 1})
        if status != 201:
            return status, body
        return self.api("/api/orders/checkouts", {"address_id": self.buyer["address_id"]},
                        key=f"c{self.buyer['id']}-{self.n}")

    def pay(self, checkout_no: str) -> bool:
        status, body = self.api("/api/payments/checkouts", {"checkout_no": checkout_no},
                                key=f"p{self.buyer['id']}-{self.n}")
        if status != 201:
            return False
        headers, raw = signed_callback(self.secret, body["payment_no"], body["amount_fen"])
        status, answer = self.post("/pay/callback/sandbox/", raw, headers)
        return status == 200 and answer == {"code": "SUCCESS"}

    def close(self) -> None:
        self.connection.close()


def drive(port: int, buyers: list[dict[str, Any]], secret: str, sku_id: int, *,
          duration: float, warmup: float) -> dict[str, Any]:
    """Every buyer loops over whole orders in its own thread; count orders paid in the window."""
    measure_from = time.monotonic() + warmup
    deadline = measure_from + duration
    lock = threading.Lock()
    counts = {"completed": 0, "failed": 0}
    failures: dict[str, int] = {}

    def loop(buyer: dict[str, Any]) -> None:
        shopper = Shopper(port, buyer, secret)
        try:
            while time.monotonic() < deadline:
                status, body = shopper.checkout(sku_id)
                ok = status == 201 and shopper.pay(body["checkout_no"])
                now = time.monotonic()
                if measure_from <= now <= deadline:
                    with lock:
                        counts["completed" if ok else "failed"] += 1
                        if not ok:
                            failures[str(status)] = failures.get(str(status), 0) + 1
        finally:
            shopper.close()

    threads = [threading.Thread(target=loop, args=(buyer,)) for buyer in buyers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {**counts, "failures": failures,
            "orders_per_s": round(counts["completed"] / duration, 1)}


def pgbench(url: str, script: Path, *, clients: int, duration: float) -> tuple[float | None, str]:
    """pgbench's tps for ``script``, or None and why not."""
    if not url.startswith(("postgres://", "postgresql://")):
        return None, "DATABASE_URL is not PostgreSQL: the SQL replay baseline needs pgbench"
    binary = shutil.which("pgbench")
    if binary is None:
        return None, "pgbench is not installed"
    done = subprocess.run(
        [binary, "-n", "-c", str(clients), "-j", str(min(2, clients)),
         "-T", str(max(1, round(duration))), "-D", "n=0", "-f", str(script), url],
        capture_output=True, text=True, timeout=duration + 120, check=False)
    match = re.search(r"tps = ([0-9.]+)", done.stdout)
    failed = re.search(r"number of failed transactions: (\d+)", done.stdout)
    if done.returncode != 0 or match is None or (failed and int(failed.group(1))):
        return None, f"pgbench failed: {(done.stderr or done.stdout).strip()[-500:]}"
    return float(match.group(1)), "pgbench replay of one order's SQL, same client count"


# --- the benchmark ------------------------------------------------------------------------------
def add_arguments(group: argparse._ArgumentGroup) -> None:
    group.add_argument("--clients", type=int, default=8,
                       help="checkout: concurrent buyers, and pgbench clients (default: 8)")


def run(args: argparse.Namespace) -> dict[str, Any]:
    clients = args.clients
    with tempfile.TemporaryDirectory(prefix="trustmart-bench-") as data_dir, \
            fresh_database(os.environ) as base_env:
        env = production_env(Path(data_dir), base_env)
        env["SANDBOX_PAYMENT_SECRET"] = secret = secrets.token_hex(32)
        prepare(env)
        script = Path(data_dir) / "order.pgbench"
        log(f"seeding a product and {clients} buyers; capturing one order's SQL")
        seeded = run_seed(env, "bench.checkout", "seed", str(clients), str(10**9), str(script))
        with Server(args.server, env, workers=args.workers, threads=args.threads) as server:
            report = health(server)
            hello = measure(server.url("/bench/hello"), connections=clients,
                            duration=args.duration, warmup=args.warmup)
            log(f"hello: {hello['rps']} req/s")
            result = drive(server.port, seeded["buyers"], secret, seeded["sku_id"],
                           duration=args.duration, warmup=args.warmup)
            log(f"checkout: {result}")
        counted = run_seed(env, "bench.checkout", "tally", str(seeded["sku_id"]))
        baseline, note = pgbench(env.get("DATABASE_URL", ""), script, clients=clients,
                                 duration=args.duration)
        log(f"baseline: {baseline} ({note})")
    if result["completed"] == 0 or result["failed"] > 0.01 * result["completed"]:
        raise BenchError(f"checkout: {result}")
    value = result["orders_per_s"]
    return {
        "value": value,
        "unit": "orders/s",
        "baseline": baseline,
        "baseline_note": note,
        "ratio": round(value / baseline, 3) if baseline else None,
        "queries_per_order": seeded["queries_per_order"],
        "hello_rps": hello["rps"],
        "hello_ratio": round(value / hello["rps"], 4) if hello["rps"] else None,
        "requests_per_order": 4,
        "completed": result["completed"],
        "failed": result["failed"],
        "paid_orders_total": counted["paid_orders"],
        "clients": clients,
        "duration": args.duration,
        "warmup": args.warmup,
        "server": args.server,
        "workers": args.workers,
        "threads": args.threads,
        "database": report["database"]["vendor"],
    }


if __name__ == "__main__" and sys.argv[1:2] == ["seed"]:
    import django

    django.setup()
    buyers, stock, capture = int(sys.argv[2]), int(sys.argv[3]), (sys.argv[4:5] or [""])[0]
    with suppress(BrokenPipeError):
        print(json.dumps(seed(buyers=buyers, stock=stock, capture=capture)), flush=True)
elif __name__ == "__main__" and sys.argv[1:2] == ["tally"]:
    with suppress(BrokenPipeError):
        print(json.dumps(tally()), flush=True)
