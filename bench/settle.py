"""settle: commissions released (pending → available) per second through the project's code.

Setup (not timed): a fresh database, migrated; one merchant's live product; ``--earners`` store
owners; ``--count`` orders of one line each, every line with one pending level-1 commission.
The rows are made fast, in bulk: checkouts, orders, lines, the earners' ledger accounts, one
pending ledger hold per commission (platform commission clearing → earner) and the commission
rows; the accounts' pending counters are then set from the holds in one statement, and
``ledger_check()`` must be clean before anything is timed.

Timed (``value``): ``commissions_release_for_orders`` over every order, ``--batch`` orders per
call (default 500) — the path of the ``commissions.release_settled`` sweep; ``--batch 1`` is exactly
what the ``order.settled`` handler calls for one order (``commissions_release_for_order``). Each
call is one transaction that locks the orders' commission rows, moves the releasable ones to
available with one guarded UPDATE and posts their holds through ``ledger.services.
holds_post_many`` (accounts locked once; journals and entries bulk inserted; one guarded hold
UPDATE; one counter UPDATE per account with the summed amounts). Clearing is not funded first
(settlement's journal is not part of what is measured), so it ends at −total.

``baseline``: the same state change done set-based, in one SQL statement (PostgreSQL: one
``WITH … UPDATE``; SQLite: two UPDATEs in one transaction), on copies of the commission and
hold tables taken before the timed run: every pending commission to available and its hold to
posted. It writes no journals and checks nothing: it is the floor of what the database itself
needs for the rows that change. ``ratio`` = value / baseline.

After the run every commission must be available, every hold posted and ``ledger_check()``
clean; otherwise the result is refused.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from contextlib import suppress
from pathlib import Path
from typing import Any

from bench.common import BenchError, log
from bench.server import REPO_ROOT, fresh_database, prepare, production_env

COMMISSION_FEN = 1_200
PRICE_FEN = 19_800


def add_arguments(group: argparse._ArgumentGroup) -> None:
    group.add_argument("--count", type=int, default=100_000,
                       help="commissions to release (default: 100000)")
    group.add_argument("--earners", type=int, default=1_000,
                       help="store owners the commissions are spread over (default: 1000)")
    group.add_argument("--batch", type=int, default=500,
                       help="settled orders released per transaction; 1 is the order.settled "
                            "handler's path (default: 500)")


# --- the work (runs in a child process with the production settings) ------------------------
def _seed(count: int, earners: int) -> dict[str, Any]:
    from bench.product_page import _seed as product_seed

    seeded = product_seed()  # calls django.setup()
    from django.db import connection, transaction
    from django.utils import timezone

    from trustmart.accounts.models import User
    from trustmart.catalog.models import Product, Sku
    from trustmart.commissions.models import Commission
    from trustmart.ledger.models import Account, Hold, Purpose
    from trustmart.ledger.services import account_get_or_create
    from trustmart.orders.models import Checkout, Order, OrderLine

    product = Product.objects.get(pk=seeded["product_id"])
    sku = Sku.objects.filter(product=product).order_by("pk").first()
    assert sku is not None
    now = timezone.now()
    address = {"recipient_name": "张三", "mobile": "13800001111", "province": "浙江",
               "city": "杭州市", "district": "西湖区", "detail": "文三路 1 号"}
    chunk = 5_000
    with transaction.atomic():
        buyer = User.objects.create_user(mobile="13700000000", nickname="买家")
        users = User.objects.bulk_create(
            User(mobile=f"136{n:08d}", nickname=f"店主{n}") for n in range(earners))
        clearing = account_get_or_create(owner_type="platform", owner_id=None,
                                         purpose=Purpose.COMMISSION_CLEARING)
        accounts = Account.objects.bulk_create(
            Account(owner_type="user", owner_id=u.pk, purpose=Purpose.COMMISSION_AVAILABLE,
                    allow_negative=False) for u in users)
    for start in range(0, count, chunk):
        size = min(chunk, count - start)
        with transaction.atomic():
            # Numbers set here: the random defaults may collide over 100,000 bulk rows.
            checkouts = Checkout.objects.bulk_create(
                Checkout(checkout_no=f"BC{start + i:012d}", buyer=buyer,
                         status=Checkout.Status.PAID, total_fen=PRICE_FEN, address=address,
                         expires_at=now, paid_at=now) for i in range(size))
            orders = Order.objects.bulk_create(
                Order(order_no=f"BO{start + i:012d}", checkout=c, buyer=buyer,
                      merchant_id=product.merchant_id, status=Order.Status.RECEIVED,
                      goods_fen=PRICE_FEN, total_fen=PRICE_FEN, address=address, paid_at=now)
                for i, c in enumerate(checkouts))
            lines = OrderLine.objects.bulk_create(
                OrderLine(order=o, sku=sku, product=product, product_name=product.name[:60],
                          unit_price_fen=PRICE_FEN, quantity=1, paid_fen=PRICE_FEN,
                          commission_bps=product.commission_bps, commission_fen=COMMISSION_FEN)
                for o in orders)
            owners = [(users[(start + i) % earners], accounts[(start + i) % earners])
                      for i in range(size)]
            holds = Hold.objects.bulk_create(
                Hold(debit_account=clearing, credit_account=acc, amount_fen=COMMISSION_FEN,
                     kind="commission", reference=f"commission:{line.pk}:1")
                for line, (_u, acc) in zip(lines, owners, strict=True))
            Commission.objects.bulk_create(
                Commission(order_line=line, order_no=order.order_no,
                           merchant_id=product.merchant_id, buyer=buyer, level=1, earner=user,
                           base_fen=PRICE_FEN, rate_bps=product.commission_bps,
                           initial_fen=COMMISSION_FEN, amount_fen=COMMISSION_FEN,
                           hold_id=hold.pk, channel="wechat_moments")
                for line, order, (user, _a), hold in zip(lines, orders, owners, holds,
                                                         strict=True))
        log(f"  seeded {start + size} of {count}")
    with transaction.atomic(), connection.cursor() as cursor:
        # The pending counters the holds stand for, set in one pass.
        cursor.execute(
            "UPDATE ledger_account SET credits_pending_fen = (SELECT COALESCE(SUM(h.amount_fen),"
            " 0) FROM ledger_hold h WHERE h.credit_account_id = ledger_account.id AND h.status ="
            " 'pending') WHERE owner_type = 'user'")
        cursor.execute("UPDATE ledger_account SET debits_pending_fen = %s WHERE id = %s",
                       [COMMISSION_FEN * count, clearing.pk])
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # fresh statistics, as a live database has
            cursor.execute("ANALYZE")
    return {"clearing_id": clearing.pk}


def _copy_for_baseline() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_commission AS SELECT * FROM commissions_commission")
        cursor.execute("CREATE TABLE bench_hold AS SELECT * FROM ledger_hold "
                       "WHERE kind = 'commission'")
        cursor.execute("CREATE INDEX bench_hold_id ON bench_hold (id)")


def _baseline() -> tuple[int, float]:
    from django.db import connection, transaction

    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "WITH c AS (UPDATE bench_commission SET status = 'available', released_at = now()"
                " WHERE status = 'pending' RETURNING hold_id) "
                "UPDATE bench_hold h SET status = 'posted', posted_amount_fen = h.amount_fen, "
                "resolved_at = now() FROM c WHERE h.id = c.hold_id")
            changed = cursor.rowcount
        else:
            cursor.execute("UPDATE bench_hold SET status = 'posted', posted_amount_fen = "
                           "amount_fen, resolved_at = CURRENT_TIMESTAMP WHERE id IN (SELECT "
                           "hold_id FROM bench_commission WHERE status = 'pending')")
            changed = cursor.rowcount
            cursor.execute("UPDATE bench_commission SET status = 'available', released_at = "
                           "CURRENT_TIMESTAMP WHERE status = 'pending'")
    return changed, time.perf_counter() - started


def work(count: int, earners: int, batch: int) -> dict[str, Any]:
    log(f"seeding {count} pending commissions over {earners} earners")
    _seed(count, earners)
    from django.db import connection

    from trustmart.commissions.models import Commission
    from trustmart.commissions.services import commissions_release_for_orders
    from trustmart.ledger.selectors import ledger_check

    problems = ledger_check()
    if problems:
        raise BenchError(f"the seeded ledger is unsound: {problems[:3]}")
    _copy_for_baseline()
    work_items = list(Commission.objects.order_by("pk").values_list("order_no",
                                                                    "order_line_id"))
    log(f"releasing {len(work_items)} commissions through commissions_release_for_orders, "
        f"{batch} orders per call")
    started = time.perf_counter()
    done = 0
    for start in range(0, len(work_items), batch):
        chunk = work_items[start:start + batch]
        done += commissions_release_for_orders(
            settlements=[(order_no, [{"line_id": line_id}]) for order_no, line_id in chunk])
        if done // 10_000 != (done - len(chunk)) // 10_000:
            log(f"  {done} released, {done / (time.perf_counter() - started):.0f}/s")
    elapsed = time.perf_counter() - started
    released = Commission.objects.filter(status=Commission.Status.AVAILABLE).count()
    if released != count or done != count:
        raise BenchError(f"{released} of {count} commissions were released ({done} reported)")
    problems = ledger_check()
    if problems:
        raise BenchError(f"the ledger is unsound after the run: {problems[:3]}")
    log("baseline: one set-based UPDATE on a copy of the same rows")
    changed, base_elapsed = _baseline()
    if changed != count:
        raise BenchError(f"the baseline changed {changed} rows, expected {count}")
    value = count / elapsed
    baseline = count / base_elapsed
    return {"value": round(value, 1), "unit": "commissions/s", "baseline": round(baseline, 1),
            "ratio": round(value / baseline, 5), "count": count, "earners": earners,
            "batch": batch, "seconds_timed": round(elapsed, 2),
            "baseline_seconds": round(base_elapsed, 3), "database": connection.vendor,
            "path": f"commissions_release_for_orders, {batch} orders per transaction "
                    "(holds_post_many) vs one SQL UPDATE"}


def run(args: argparse.Namespace) -> dict[str, Any]:
    if args.count < 1 or args.earners < 1 or args.batch < 1:
        raise BenchError("--count, --earners and --batch must be at least 1")
    with tempfile.TemporaryDirectory(prefix="trustmart-bench-") as data_dir, \
            fresh_database(os.environ) as base_env:
        env = production_env(Path(data_dir), base_env)
        prepare(env)
        done = subprocess.run([sys.executable, "-m", "bench.settle", "work", str(args.count),
                               str(min(args.earners, args.count)), str(args.batch)],
                              env=env, cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True,
                              timeout=6 * 3600, check=False)
        if done.returncode != 0 or not done.stdout.strip():
            raise BenchError(f"the settle run failed (exit {done.returncode})")
        result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


if __name__ == "__main__" and sys.argv[1:2] == ["work"]:
    try:
        output = work(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
    except BenchError as exc:
        print(f"bench settle: {exc}", file=sys.stderr)
        sys.exit(1)
    with suppress(BrokenPipeError):
        print(json.dumps(output), flush=True)
