"""search: p95 latency of Chinese product search over HTTP on a 100,000-product catalog.

What a user gets: ``GET /api/search/products`` on the real server (production settings, granian,
the database of ``DATABASE_URL`` or the embedded SQLite), for 200 mixed queries (single words,
compounds, brands, several words, English and digits; with and without category and price
filters; every sort). The baseline is the product detail by primary key
(``GET /api/catalog/products/{id}``) on the same server in the same run, interleaved request by
request, so ``ratio`` = search p95 / detail p95 says what a search costs next to the cheapest
page a shopper opens, however fast the machine.

The catalog is generated into a fresh database (a temporary SQLite file, or a temporary
PostgreSQL database created next to the one ``DATABASE_URL`` names and dropped afterwards) by a
child process with the server's own settings: bulk inserts, then ``product_search_index`` over
every product in ``--index-processes`` processes, then ANALYZE (and an FTS5 optimize on SQLite),
as after any bulk import.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import suppress
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bench.common import BenchError, log
from bench.server import HOST, REPO_ROOT, Server, fresh_database, prepare, production_env

SEED = 20_240_618
# category: (parent, brands, nouns, modifiers, specs, price range in yuan); words split on spaces
CATALOG: dict[str, tuple[str, str, str, str, str, tuple[int, int]]] = {
    "面部护肤": (
        "美妆护肤",
        "珀莱雅 薇诺娜 自然堂 百雀羚 兰蔻 雅诗兰黛 欧莱雅 玉兰油 完美日记 花西子",
        "面霜 精华液 爽肤水 乳液 面膜 眼霜 洗面奶 防晒霜 卸妆油 精华油",
        "保湿 补水 修护 美白 抗皱 紧致 舒缓 控油 温和 滋润 敏感肌 清爽 淡纹 提亮",
        "30ml 50ml 100ml 50g 120g 5片装 套装 旅行装", (39, 1299)),
    "彩妆": (
        "美妆护肤", "完美日记 花西子 毛戈平 卡姿兰 迪奥 魅可 橘朵 稚优泉",
        "口红 粉底液 散粉 眉笔 眼影盘 腮红 睫毛膏 气垫",
        "哑光 持妆 防水 显白 丝绒 自然 遮瑕 控油 不脱色",
        "3.5g 30ml 12色 9色 单支", (29, 599)),
    "茶叶": (
        "食品饮料", "狮峰 西湖 八马 天福 竹叶青 小罐茶 大益 张一元",
        "龙井 铁观音 普洱 红茶 绿茶 白茶 碧螺春 大红袍 茉莉花茶 乌龙茶",
        "明前 特级 一级 浓香型 清香型 高山 古树 新茶 陈年 手工",
        "250g 500g 100g 礼盒装 罐装 袋装 散装", (49, 1999)),
    "零食坚果": (
        "食品饮料", "三只松鼠 良品铺子 百草味 洽洽 来伊份 盐津铺子",
        "每日坚果 夏威夷果 碧根果 牛肉干 猪肉脯 瓜子 芒果干 巴旦木 开心果",
        "原味 奶油味 香辣 手剥 低盐 独立包装 大颗粒 量贩",
        "500g 1kg 750g 30包 礼包 家庭装", (19, 299)),
    "乳品": (
        "食品饮料", "伊利 蒙牛 特仑苏 光明 君乐宝 安慕希 金典 认养一头牛",
        "纯牛奶 酸奶 有机奶 高钙奶 脱脂奶 奶粉 奶酪棒",
        "全脂 低脂 有机 早餐 儿童 高钙 原味",
        "250ml*12盒 200g*10瓶 1L 整箱 礼盒装", (29, 199)),
    "粮油": (
        "食品饮料", "金龙鱼 福临门 鲁花 十月稻田 五常",
        "大米 花生油 菜籽油 橄榄油 面粉 小米 杂粮",
        "东北 有机 压榨 一级 新米 长粒香 稻花香",
        "5kg 10kg 5L 1.8L 2.5kg", (29, 299)),
    "手机": (
        "数码电器", "Apple 华为 小米 OPPO vivo 荣耀 一加 realme",
        "手机 5G手机 折叠屏手机 智能手机",
        "旗舰 轻薄 游戏 拍照 长续航 快充 曲面屏 全网通",
        "128G 256G 512G 1TB 8GB+256GB 12GB+512GB", (999, 12999)),
    "耳机": (
        "数码电器", "Apple 华为 小米 索尼 漫步者 Bose 倍思",
        "蓝牙耳机 无线耳机 降噪耳机 头戴式耳机 运动耳机 耳机",
        "主动降噪 真无线 半入耳 游戏 低延迟 长续航 防水",
        "黑色 白色 Pro 二代 三代", (59, 2999)),
    "厨房电器": (
        "数码电器", "美的 九阳 苏泊尔 小熊 摩飞 格力",
        "电饭煲 空气炸锅 破壁机 电水壶 微波炉 豆浆机 榨汁机",
        "智能 家用 大容量 多功能 静音 迷你 不锈钢",
        "3L 4L 5L 1.5L 1.7L 20L", (69, 1999)),
    "女装": (
        "服饰鞋包", "优衣库 太平鸟 欧时力 ONLY 维密 江南布衣",
        "连衣裙 T恤 衬衫 羽绒服 针织衫 半身裙 牛仔裤 卫衣",
        "碎花 宽松 修身 法式 纯棉 复古 高腰 短款 长款",
        "S M L XL 均码", (59, 1599)),
    "运动鞋": (
        "服饰鞋包", "耐克 阿迪达斯 李宁 安踏 特步 新百伦 鸿星尔克",
        "跑步鞋 篮球鞋 板鞋 休闲鞋 老爹鞋 训练鞋",
        "透气 减震 轻便 防滑 缓震 耐磨 男款 女款 情侣",
        "39 40 41 42 43 44", (199, 1499)),
    "奶粉": (
        "母婴", "飞鹤 君乐宝 美赞臣 惠氏 爱他美 伊利金领冠",
        "婴儿奶粉 幼儿奶粉 羊奶粉 配方奶粉",
        "1段 2段 3段 4段 有机 A2 进口 新国标",
        "800g 900g 罐装 3罐", (149, 899)),
    "纸尿裤": (
        "母婴", "帮宝适 好奇 花王 大王 babycare",
        "纸尿裤 拉拉裤 尿不湿",
        "超薄 透气 干爽 夜用 柔软",
        "S码 M码 L码 XL码 箱装", (59, 299)),
    "床上用品": (
        "家居", "罗莱 水星家纺 富安娜 无印良品 梦洁",
        "四件套 被子 枕头 床垫 蚕丝被 乳胶枕",
        "纯棉 全棉 加厚 冬季 夏凉 抗菌 亲肤 天然",
        "1.5m 1.8m 2m 单人 双人", (99, 2999)),
}
DESCRIPTIONS = (
    "精选优质原料，品质看得见。", "品牌官方授权，正品保证，假一赔十。",
    "顺丰包邮，48小时内发货。", "支持7天无理由退货。", "经典热销款，回购率高。",
    "适合送礼，包装精美。", "全家都适用，老人小孩都喜欢。", "通过国家质检，安全放心。",
    "新老包装随机发货。", "现货速发，库存有限。",
)
NO_RESULT_QUERIES = ("榴莲千层", "飞机模型", "钢琴", "xyzzy")


def add_arguments(group: argparse._ArgumentGroup) -> None:
    group.add_argument("--products", type=int, default=100_000,
                       help="products to generate (default: 100000)")
    group.add_argument("--queries", type=int, default=200, help="search queries (default: 200)")
    group.add_argument("--index-processes", type=int, default=2,
                       help="processes that segment and index (default: 2)")


# --- generating the catalog (runs in a child process with the server's settings) ------------
def _build(products: int, processes: int) -> dict[str, Any]:
    import django

    django.setup()
    from django.db import connection, connections

    from trustmart.catalog.search import product_search_index
    from trustmart.catalog.search.segment import warm_up

    rng = random.Random(SEED)
    started = time.perf_counter()
    ids = _generate(rng, products)
    generated = time.perf_counter()
    log(f"generated {len(ids)} products in {generated - started:.1f}s; indexing")
    warm_up()  # the forked indexers inherit jieba's loaded dictionary
    connections.close_all()
    chunks = [ids[i:i + 5000] for i in range(0, len(ids), 5000)]
    if processes > 1:
        import multiprocessing

        with multiprocessing.get_context("fork").Pool(processes) as pool:
            pool.map(_index_chunk, chunks)
    else:
        for chunk in chunks:
            product_search_index(product_ids=chunk)
    indexed = time.perf_counter()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("INSERT INTO catalog_product_fts(catalog_product_fts) VALUES "
                           "('optimize')")
        cursor.execute("ANALYZE")
    done = time.perf_counter()
    from trustmart.catalog.models import Category

    return {
        "vendor": connection.vendor, "products": len(ids),
        "generate_seconds": round(generated - started, 1),
        "index_seconds": round(indexed - generated, 1),
        "analyze_seconds": round(done - indexed, 1),
        "build_seconds": round(done - started, 1),
        "categories": dict(Category.objects.values_list("name", "pk")),
        "sample_ids": random.Random(SEED + 1).sample(ids, min(len(ids), 1000)),
    }


def _index_chunk(chunk: list[int]) -> int:
    from trustmart.catalog.search import product_search_index

    product_search_index(product_ids=chunk)
    return len(chunk)


def _generate(rng: random.Random, count: int) -> list[int]:
    """Categories, merchants (a few suspended or without deposit) and products, in bulk."""
    from datetime import timedelta

    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from trustmart.accounts.models import User
    from trustmart.catalog.models import Category, Product, ProductImage, Sku
    from trustmart.merchants.models import Merchant, MerchantApplication

    with transaction.atomic():
        parents = {name: Category.objects.create(name=name, slug=f"c{i}", position=i)
                   for i, name in enumerate(dict.fromkeys(v[0] for v in CATALOG.values()))}
        leaves = {name: Category.objects.create(name=name, slug=f"s{i}", position=i,
                                                parent=parents[spec[0]])
                  for i, (name, spec) in enumerate(CATALOG.items())}
        unusable = make_password(None)
        owners = User.objects.bulk_create(
            [User(mobile=f"139{n:08d}", nickname=f"商家{n}", password=unusable)
             for n in range(300)])
        merchants: list[Merchant] = []
        for n, owner in enumerate(owners):
            code = f"91330100MB{n:08d}"
            application = MerchantApplication.objects.create(
                applicant=owner, company_name=f"商家{n}有限公司", credit_code=code,
                legal_representative="张三", contact_name="张三", contact_mobile=owner.mobile,
                brand_name=f"商家{n}", business_licence="papers/l.pdf",
                brand_authorisation="papers/b.pdf", status=MerchantApplication.Status.APPROVED)
            status = Merchant.Status.SUSPENDED if n % 20 == 7 else Merchant.Status.ACTIVE
            merchants.append(Merchant(owner=owner, application=application, name=f"优选旗舰店{n}",
                                      company_name=f"商家{n}有限公司", credit_code=code,
                                      status=status, deposit_ok=n % 20 != 11))
        Merchant.objects.bulk_create(merchants)
    now = timezone.now()
    ids: list[int] = []
    names = list(CATALOG)
    for start in range(0, count, 5000):
        batch = []
        for _ in range(min(5000, count - start)):
            leaf = rng.choice(names)
            _parent, brands, nouns, modifiers, specs, (low, high) = CATALOG[leaf]
            brand = rng.choice(brands.split())
            mods = "".join(rng.sample(modifiers.split(), rng.choice((1, 1, 2))))
            name = f"{brand} {mods}{rng.choice(nouns.split())} {rng.choice(specs.split())}"
            if rng.random() < 0.15:
                name += rng.choice((" 礼盒装", " 2024新款", " 官方正品", " 限量版"))
            text = "".join(rng.sample(DESCRIPTIONS, 3))
            description = f"<p>{brand}{rng.choice(nouns.split())}，{mods}。</p><p>{text}</p>"
            live = rng.random() < 0.97
            batch.append(Product(
                merchant=rng.choice(merchants), category=leaves[leaf], name=name[:60],
                brand=brand, subtitle=rng.choice(DESCRIPTIONS), description=description,
                manufacturer=f"{brand}有限公司", place_of_origin="中国",
                status=Product.Status.LIVE if live else Product.Status.OFFLINE,
                price_fen=int(low * 100 * (high / low) ** rng.random()),
                sales_count=int(rng.paretovariate(1.2) * 10),
                published_at=now - timedelta(minutes=rng.randrange(2 * 365 * 24 * 60))))
        with transaction.atomic():
            created = Product.objects.bulk_create(batch)
            ProductImage.objects.bulk_create(
                [ProductImage(product=p, image=f"product-images/{p.pk % 97:02d}.jpg")
                 for p in created])
            Sku.objects.bulk_create([Sku(product=p, spec_key="", price_fen=p.price_fen or 1,
                                         stock=100) for p in created])
        ids += [p.pk for p in created]
    return ids


# --- the queries ---------------------------------------------------------------------------
def queries(count: int, categories: dict[str, int]) -> list[dict[str, str]]:
    """Mixed queries with filters and sorts, the same for every run (fixed seed)."""
    rng = random.Random(SEED + 2)
    words: list[tuple[str, str]] = []  # (query, the category it belongs to)
    for leaf, (parent, brands, nouns, modifiers, specs, _prices) in CATALOG.items():
        for word in [leaf, *brands.split()[:3], *nouns.split()[:4], specs.split()[0]]:
            words.append((word, rng.choice((leaf, parent))))
        noun = rng.choice(nouns.split())
        words += [(rng.choice(modifiers.split()) + noun, leaf),  # a compound: 保湿面霜
                  (f"{rng.choice(brands.split())} {noun}", parent)]  # several words
    result = []
    for n in range(count):
        word, category = rng.choice(words)
        params = {"q": NO_RESULT_QUERIES[n % 4] if n % 50 == 49 else word}
        if rng.random() < 0.3:
            params["category"] = str(categories[category])
        if rng.random() < 0.3:
            low = rng.choice((10, 50, 100, 500))
            params["min_price_fen"], params["max_price_fen"] = str(low * 100), str(low * 1000)
        params["sort"] = rng.choice(("relevance", "relevance", "sales", "price_asc",
                                     "price_desc", "newest"))
        result.append(params)
    return result


# --- measuring -----------------------------------------------------------------------------
def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    rank = max(1, round(fraction * len(ordered) + 0.5))
    return ordered[min(rank, len(ordered)) - 1]


def _timed_get(connection: http.client.HTTPConnection, path: str) -> tuple[float, int, bytes]:
    started = time.perf_counter()
    connection.request("GET", path)
    response = connection.getresponse()
    body = response.read()
    return time.perf_counter() - started, response.status, body


def _measure(server: Server, search_paths: list[str], pk_paths: list[str], rounds: int
             ) -> tuple[list[float], list[float], int]:
    """Search and detail requests one after the other, A B A B, on one keep-alive connection."""
    connection = http.client.HTTPConnection(HOST, server.port, timeout=30)
    search_ms: list[float] = []
    pk_ms: list[float] = []
    hits = 0
    try:
        for path in search_paths[:40] + pk_paths[:40]:  # warm every worker: imports, jieba
            _timed_get(connection, path)
        for round_number in range(rounds):
            for search_path, pk_path in zip(search_paths, pk_paths, strict=False):
                seconds, status, body = _timed_get(connection, search_path)
                if status != 200:
                    raise BenchError(f"{search_path} answered {status}: {body[:300]!r}")
                search_ms.append(seconds * 1000)
                hits += round_number == 0 and bool(json.loads(body)["items"])
                seconds, status, body = _timed_get(connection, pk_path)
                if status != 200:
                    raise BenchError(f"{pk_path} answered {status}: {body[:300]!r}")
                pk_ms.append(seconds * 1000)
            log(f"round {round_number + 1}/{rounds}: search p95 "
                f"{_percentile(search_ms[-len(search_paths):], 0.95):.1f} ms, detail p95 "
                f"{_percentile(pk_ms[-len(pk_paths):], 0.95):.1f} ms")
    finally:
        connection.close()
    return search_ms, pk_ms, hits


def _visible_details(server: Server, paths: list[str], count: int) -> list[str]:
    """Detail pages of visible products only (hidden ones are 404 and would not be lookups)."""
    found: list[str] = []
    for path in paths:
        if len(found) == count:
            break
        if server.get(path)[0] == 200:
            found.append(path)
    if len(found) < count:
        raise BenchError(f"only {len(found)} visible products among {len(paths)} sampled")
    return found


def run(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="trustmart-bench-") as data_dir, \
            fresh_database(os.environ) as base_env:
        env = production_env(Path(data_dir), base_env)
        prepare(env)
        log(f"generating {args.products} products and indexing them")
        done = subprocess.run(
            [sys.executable, "-m", "bench.search", "build", str(args.products),
             str(args.index_processes)],
            env=env, cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True, timeout=3600, check=False)
        if done.returncode != 0 or not done.stdout.strip():
            raise BenchError(f"building the catalog failed (exit {done.returncode})")
        build = json.loads(done.stdout.strip().splitlines()[-1])
        log(f"built on {build['vendor']}: generate {build['generate_seconds']}s, index "
            f"{build['index_seconds']}s, analyze {build['analyze_seconds']}s")
        chosen = queries(args.queries, build["categories"])
        search_paths = [f"/api/search/products?{urlencode(q)}" for q in chosen]
        pk_paths = [f"/api/catalog/products/{pk}" for pk in build["sample_ids"]]
        with Server(args.server, env, workers=args.workers, threads=args.threads) as server:
            visible = _visible_details(server, pk_paths, len(search_paths))
            search_ms, pk_ms, hits = _measure(server, search_paths, visible, args.rounds)
    p95, pk_p95 = _percentile(search_ms, 0.95), _percentile(pk_ms, 0.95)
    return {
        "value": round(p95, 2), "unit": "ms", "baseline": round(pk_p95, 2),
        "ratio": round(p95 / pk_p95, 2) if pk_p95 else 0.0,
        "p50_ms": round(statistics.median(search_ms), 2), "p95_ms": round(p95, 2),
        "pk_p50_ms": round(statistics.median(pk_ms), 2), "pk_p95_ms": round(pk_p95, 2),
        "products": build["products"], "queries": len(search_paths),
        "queries_with_results": hits, "database": build["vendor"],
        "build_seconds": build["build_seconds"], "generate_seconds": build["generate_seconds"],
        "index_seconds": build["index_seconds"], "index_processes": args.index_processes,
        "path": "HTTP GET /api/search/products vs GET /api/catalog/products/{id}",
        "server": args.server, "workers": args.workers, "rounds": args.rounds,
    }


if __name__ == "__main__" and len(sys.argv) == 4 and sys.argv[1] == "build":
    with suppress(BrokenPipeError):
        print(json.dumps(_build(int(sys.argv[2]), int(sys.argv[3]))), flush=True)
