"""product_page: requests per second of one product page (H5), against hello's bare view.

What a shopper opens most: ``GET /p/<id>/`` for a realistic product (6 SKUs from two spec
options, 5 images, 3 batches, 2 certificates, a rich description, a merchant with a paid
deposit), rendered anonymously on the real server with production settings. The product is made
through the catalog's own services in a child process with the server's settings, in the
benchmark's temporary database (a fresh PostgreSQL database when ``DATABASE_URL`` names one,
dropped afterwards). The baseline is hello's constant view on the same server in the same run,
interleaved round by round, so ``ratio`` (page / bare) is the share of Django's own throughput
that is left for the page. The page is cached (docs/catalog.md, "Product page cache"): the
check that the first answer is right fills the cache, so the rounds measure the steady state of
a popular page, one visibility query and the cached page per request.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from contextlib import suppress
from pathlib import Path
from typing import Any

from bench.common import BenchError, alternate, health, log, summarise, versus_hello
from bench.server import REPO_ROOT, Server, fresh_database, prepare, production_env

PRODUCT_NAME = "山水 明前龙井 特级 250g 礼盒装"


# --- the product (runs in a child process with the server's settings) -----------------------
def _seed() -> dict[str, Any]:
    import random
    from datetime import timedelta

    import django

    django.setup()
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from trustmart.accounts.models import User
    from trustmart.catalog import demo, services
    from trustmart.catalog.models import Category
    from trustmart.merchants.models import Merchant, MerchantApplication, MerchantStaff

    rng = random.Random(2026)
    tops = demo.build_categories()
    owner = User.objects.create_user(mobile="13900009001", nickname="王建国")
    operator = User.objects.create_user(mobile="13900009002", nickname="运营", is_staff=True)
    application = MerchantApplication.objects.create(
        applicant=owner, company_name="福建山水茶业有限公司", credit_code="91350782MA00000001",
        legal_representative="王建国", contact_name="王建国", contact_mobile=owner.mobile,
        brand_name="山水茶业", business_licence="papers/licence.pdf",
        brand_authorisation="papers/brand.pdf", status=MerchantApplication.Status.APPROVED)
    application.main_categories.set([tops["food"]])
    merchant = Merchant.objects.create(
        owner=owner, application=application, name="山水茶业", company_name="福建山水茶业有限公司",
        credit_code=application.credit_code, deposit_required_fen=1_000_000, deposit_ok=True,
        introduction="武夷山自有茶园，从茶园到茶杯全程可追溯。")
    MerchantStaff.objects.create(merchant=merchant, user=owner, role=MerchantStaff.Role.OWNER)

    options = [services.SpecOptionInput("规格", ["250g", "500g", "1kg"]),
               services.SpecOptionInput("包装", ["罐装", "礼盒"])]
    skus = [services.SkuInput(specs=specs, price_fen=price, stock=stock)
            for specs, price, stock in zip(
                services.sku_matrix(options),
                (19_800, 23_800, 36_800, 42_800, 69_800, 79_800), (120, 60, 80, 35, 0, 12),
                strict=True)]
    product = services.product_create(
        user=owner, merchant_id=merchant.pk, name=PRODUCT_NAME, brand="山水",
        category_id=Category.objects.get(slug="tea").pk, subtitle="明前头采 · 鲜爽回甘",
        description=("<h3>产品亮点</h3><ul><li>明前一芽一叶</li><li>传统手工炒制</li>"
                     "<li>西湖产区核心茶园</li></ul><p>豆香馥郁，滋味鲜爽，叶底嫩绿明亮。"
                     "</p><h4>冲泡建议</h4><p>80℃水温，玻璃杯下投法，3克茶叶配150毫升水。</p>"),
        manufacturer="福建山水茶业有限公司", place_of_origin="浙江杭州西湖区",
        production_licence_no="SC11433010600123", commission_bps=1200, purchase_limit=10,
        options=options, skus=skus)
    pictures = [demo.product_picture(brand="山水", name="明前龙井", top="food", variant=v)
                for v in range(3)]
    pictures += [demo.detail_picture(top="food", variant=v) for v in range(2)]
    for jpeg in pictures:
        services.product_image_add_bytes(user=owner, product_id=product.pk, jpeg=jpeg)
    today = timezone.localdate()
    for n, age in enumerate((15, 90, 200)):
        made = today - timedelta(days=age)
        services.batch_add(user=owner, product_id=product.pk, batch_no=f"LJ{made:%Y%m%d}",
                           production_date=made, shelf_life_days=540,
                           quantity=rng.choice((2000, 5000)) * (n + 1))
    pdf = demo.certificate_pdf()
    for name in ("第三方检验检测报告", "绿色食品证书"):
        services.certificate_add(user=owner, product_id=product.pk, name=name,
                                 issued_by="SGS 通标标准技术服务有限公司",
                                 valid_until=today + timedelta(days=365),
                                 upload=SimpleUploadedFile("report.pdf", pdf, "application/pdf"))
    services.product_submit(user=owner, product_id=product.pk)
    services.product_approve(operator=operator, product_id=product.pk)
    return {"product_id": product.pk, "skus": len(skus), "images": len(pictures),
            "batches": 3, "certificates": 2}


def run(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="trustmart-bench-") as data_dir, \
            fresh_database(os.environ) as base_env:
        env = production_env(Path(data_dir), base_env)
        prepare(env)
        log("creating the product through the catalog's services")
        done = subprocess.run([sys.executable, "-m", "bench.product_page", "seed"], env=env,
                              cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True, timeout=600,
                              check=False)
        if done.returncode != 0 or not done.stdout.strip():
            raise BenchError(f"creating the product failed (exit {done.returncode})")
        seeded = json.loads(done.stdout.strip().splitlines()[-1])
        page = f"/p/{seeded['product_id']}/"
        with Server(args.server, env, workers=args.workers, threads=args.threads) as server:
            report = health(server)
            status, body = server.get(page)
            if status != 200 or PRODUCT_NAME.encode() not in body:
                raise BenchError(f"{page} answered {status}: {body[:300]!r}")
            rounds = alternate({"product_page": (server, page),
                                "hello": (server, "/bench/hello")}, args)
    product, hello = summarise(rounds["product_page"]), summarise(rounds["hello"])
    return {
        "value": product["rps"],
        "unit": "req/s",
        "baseline": hello["rps"],
        "ratio": round(product["rps"] / hello["rps"], 3) if hello["rps"] else 0.0,
        "path": "GET /p/<id>/ (anonymous, H5) vs GET /bench/hello",
        "page_bytes": len(body),
        **{key: seeded[key] for key in ("skus", "images", "batches", "certificates")},
        **versus_hello("product_page", product, hello, args, report),
    }


if __name__ == "__main__" and sys.argv[1:] == ["seed"]:
    with suppress(BrokenPipeError):
        print(json.dumps(_seed()), flush=True)
