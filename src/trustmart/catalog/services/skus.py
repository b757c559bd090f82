"""SKUs built from spec options, their prices, and stock that only moves by conditional UPDATE.

A product's spec options (颜色: 红色/蓝色, 尺码: M/L) span a matrix of SKUs; each SKU is named by
its canonical ``spec_key`` ("颜色:红色|尺码:L", options in spec order), unique per product. A
product without options has one SKU with an empty key. SKUs are deactivated rather than deleted,
because orders will point at them. Price and stock changes apply at once, even on live products.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from trustmart.core.errors import Conflict, NotFound, invalid

from ..events import STOCK_LOW, StockLow
from ..models import Product, Sku, SpecOption
from ._common import product_for_staff_write, product_price_refresh
from .page_cache import product_page_changed

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from trustmart.accounts.models import User

MAX_OPTIONS = 3
MAX_VALUES = 30
MAX_SKUS = 300
MAX_PRICE_FEN = 100_000_000  # ¥1,000,000: above this it is a typo, not a price
MAX_STOCK = 10_000_000
BARCODE = re.compile(r"^[0-9A-Za-z-]{4,32}$")
SEPARATORS = (":", "|")


@dataclass(frozen=True)
class SpecOptionInput:
    name: str
    values: list[str]


@dataclass(frozen=True)
class SkuInput:
    price_fen: int
    stock: int = 0
    specs: dict[str, str] = field(default_factory=dict)
    barcode: str = ""


# --- pure rules (no database) -------------------------------------------------------------
def clean_spec_options(options: Sequence[SpecOptionInput]) -> list[SpecOptionInput]:
    """Trimmed options; refuses empty, duplicate or separator-containing names and values."""
    if len(options) > MAX_OPTIONS:
        raise invalid("options", _("A product has at most 3 spec options."),
                      code="too_many_spec_options")
    cleaned: list[SpecOptionInput] = []
    for option in options:
        name = (option.name or "").strip()
        values = [(v or "").strip() for v in option.values]
        texts = [name, *values]
        if (not name or len(name) > 20 or not values or len(values) > MAX_VALUES
                or any(not v or len(v) > 30 for v in values)
                or any(sep in t for t in texts for sep in SEPARATORS)):
            raise invalid("options", _("Each spec option needs a name (at most 20 characters) "
                                       "and 1 to 30 values (at most 30 characters each), "
                                       "without “:” or “|”."), code="invalid_spec_option")
        if name in {o.name for o in cleaned}:
            raise invalid("options", _("Two spec options are called “%(name)s”.")
                          % {"name": name}, code="duplicate_spec_option")
        if len(set(values)) != len(values):
            raise invalid("options", _("The spec option “%(name)s” lists a value twice, which "
                                       "would make two identical SKUs.") % {"name": name},
                          code="duplicate_sku_spec")
        cleaned.append(SpecOptionInput(name=name, values=values))
    size = 1
    for option in cleaned:
        size *= len(option.values)
    if size > MAX_SKUS:
        raise invalid("options", _("These options make more than 300 SKUs."),
                      code="too_many_skus")
    return cleaned


def sku_matrix(options: Sequence[SpecOptionInput]) -> list[dict[str, str]]:
    """Every combination of one value per option (the cartesian product), in spec order."""
    names = [o.name for o in options]
    return [dict(zip(names, combo, strict=True))
            for combo in itertools.product(*(o.values for o in options))]


def spec_key_of(options: Sequence[SpecOptionInput], specs: dict[str, str]) -> str:
    """The canonical key of a choice: "颜色:红色|尺码:L" (options in spec order)."""
    cleaned = {str(k).strip(): str(v).strip() for k, v in specs.items()}
    if set(cleaned) != {o.name for o in options} or any(
            cleaned[o.name] not in o.values for o in options):
        raise invalid("skus", _("Each SKU must choose exactly one listed value of every spec "
                                "option."), code="invalid_sku_spec")
    return "|".join(f"{o.name}:{cleaned[o.name]}" for o in options)


def specs_of_key(key: str) -> dict[str, str]:
    """The inverse of ``spec_key_of``: "颜色:红色|尺码:L" → {"颜色": "红色", "尺码": "L"}."""
    if not key:
        return {}
    pairs = [part.split(":", 1) for part in key.split("|")]
    return {name: value for name, value in pairs}


def check_price(price_fen: object, field_name: str = "price_fen") -> int:
    if (isinstance(price_fen, bool) or not isinstance(price_fen, int)
            or not 0 < price_fen <= MAX_PRICE_FEN):
        raise invalid(field_name, _("The price must be more than ¥0.00 and at most "
                                    "¥1000000.00."), code="invalid_price")
    return price_fen


def check_stock(stock: object, field_name: str = "stock") -> int:
    if isinstance(stock, bool) or not isinstance(stock, int) or not 0 <= stock <= MAX_STOCK:
        raise invalid(field_name, _("Stock must be a whole number from 0 to 10000000."),
                      code="invalid_stock")
    return stock


def check_barcode(barcode: str) -> str:
    text = (barcode or "").strip()
    if text and not BARCODE.match(text):
        raise invalid("barcode", _("A barcode has 4 to 32 letters, digits or dashes."),
                      code="invalid_barcode")
    return text


# --- writes ---------------------------------------------------------------------------------
def skus_define(*, product: Product, options: Sequence[SpecOptionInput],
                skus: Sequence[SkuInput] | None, price_fen: int | None, stock: int) -> list[Sku]:
    """Replace the product's options and SKUs (inside the caller's transaction).

    Without ``skus`` the whole matrix is generated at ``price_fen``/``stock``; SKUs that already
    exist under the same key keep their own price, stock and barcode. With ``skus`` exactly
    those are defined. SKUs no longer defined are deactivated.
    """
    cleaned = clean_spec_options(options)
    wanted: dict[str, tuple[dict[str, str], SkuInput | None]] = {}
    if skus is None:
        if price_fen is None:
            raise invalid("price_fen", _("Enter a price."), code="invalid_price")
        check_price(price_fen)
        check_stock(stock)
        for specs in sku_matrix(cleaned):
            wanted[spec_key_of(cleaned, specs)] = (specs, None)
    else:
        if not skus:
            raise invalid("skus", _("Define at least one SKU."), code="sku_required")
        for item in skus:
            check_price(item.price_fen)
            check_stock(item.stock)
            check_barcode(item.barcode)
            key = spec_key_of(cleaned, item.specs)
            if key in wanted:
                raise invalid("skus", _("Two SKUs have the same specs (%(key)s).")
                              % {"key": key or "-"}, code="duplicate_sku_spec")
            wanted[key] = (specs_of_key(key), item)

    SpecOption.objects.filter(product=product).delete()
    SpecOption.objects.bulk_create([
        SpecOption(product=product, name=o.name, values=o.values, position=i)
        for i, o in enumerate(cleaned)])
    existing = {s.spec_key: s for s in Sku.objects.filter(product=product)}
    result, to_create = [], []
    matrix_price = price_fen or 0
    for key, (specs, given) in wanted.items():
        sku = existing.pop(key, None)
        if sku is None:
            sku = Sku(product=product, spec_key=key, specs=specs,
                      price_fen=given.price_fen if given else matrix_price,
                      stock=given.stock if given else stock,
                      barcode=check_barcode(given.barcode) if given else "")
            to_create.append(sku)
        else:
            sku.specs, sku.is_active = specs, True
            update = ["specs", "is_active"]
            if given is not None:
                sku.price_fen, sku.stock = given.price_fen, given.stock
                sku.barcode = check_barcode(given.barcode)
                update += ["price_fen", "stock", "barcode"]
            sku.save(update_fields=update)
        result.append(sku)
    Sku.objects.bulk_create(to_create)
    Sku.objects.filter(pk__in=[s.pk for s in existing.values()]).update(is_active=False)
    product_price_refresh(product.pk)
    product_page_changed(product.pk)
    return result


def product_skus_define(*, user: User | AnonymousUser, product_id: int,
                        options: Sequence[SpecOptionInput], skus: Sequence[SkuInput] | None = None,
                        price_fen: int | None = None, stock: int = 0) -> list[Sku]:
    """The merchant (re)defines spec options and SKUs; applies at once, live or not."""
    with transaction.atomic():
        product = product_for_staff_write(user=user, product_id=product_id, lock=True)
        return skus_define(product=product, options=options, skus=skus, price_fen=price_fen,
                           stock=stock)


def _sku_for_staff(*, user: User | AnonymousUser, sku_id: int) -> Sku:
    product_id = Sku.objects.filter(pk=sku_id).values_list("product_id", flat=True).first()
    if product_id is None:
        raise NotFound(_("This SKU does not exist."), code="sku_not_found")
    try:
        product_for_staff_write(user=user, product_id=product_id)
    except NotFound as exc:
        raise NotFound(_("This SKU does not exist."), code="sku_not_found") from exc
    return Sku.objects.get(pk=sku_id)


def sku_update(*, user: User | AnonymousUser, sku_id: int, price_fen: int | None = None,
               barcode: str | None = None, is_active: bool | None = None,
               stock: int | None = None) -> Sku:
    """Change a SKU's price, barcode, stock count or activity (all at once, or none)."""
    if stock is not None:
        check_stock(stock)
    with transaction.atomic():
        sku = _sku_for_staff(user=user, sku_id=sku_id)
        fields = []
        if price_fen is not None:
            sku.price_fen = check_price(price_fen)
            fields.append("price_fen")
        if barcode is not None:
            sku.barcode = check_barcode(barcode)
            fields.append("barcode")
        if is_active is not None and is_active != sku.is_active:
            if not is_active and not Sku.objects.filter(
                    product_id=sku.product_id, is_active=True).exclude(pk=sku.pk).exists():
                raise Conflict(_("A product needs at least one active SKU."), code="last_sku")
            sku.is_active = is_active
            fields.append("is_active")
        if stock is not None and stock != sku.stock:
            _stock_set(sku_id=sku.pk, stock=stock)
            sku.stock = stock
        if fields:
            sku.save(update_fields=fields)
            product_price_refresh(sku.product_id)
            product_page_changed(sku.product_id)
    return sku


def sku_stock_set(*, user: User | AnonymousUser, sku_id: int, stock: int) -> Sku:
    """The merchant counts its stock: set it to a number (not negative)."""
    check_stock(stock)
    with transaction.atomic():
        sku = _sku_for_staff(user=user, sku_id=sku_id)
        _stock_set(sku_id=sku.pk, stock=stock)
        product_page_changed(sku.product_id)
        sku.refresh_from_db(fields=["stock"])
    return sku


def sku_stock_adjust(*, user: User | AnonymousUser, sku_id: int, delta: int) -> Sku:
    """Add (or with a negative ``delta`` remove) stock; refused if it would go below zero."""
    if isinstance(delta, bool) or not isinstance(delta, int) or abs(delta) > MAX_STOCK:
        raise invalid("delta", _("Enter a whole number."), code="invalid_stock")
    with transaction.atomic():
        sku = _sku_for_staff(user=user, sku_id=sku_id)
        changed = _stock_move(sku_id=sku.pk, delta=delta, stock__gte=-delta)
        if not changed:
            raise Conflict(_("Not enough stock to remove that many."),
                           code="stock_insufficient")
        product_page_changed(sku.product_id)
        sku.refresh_from_db(fields=["stock"])
    return sku


def sku_stock_take(*, sku_id: int, quantity: int) -> bool:
    """Take ``quantity`` units of an active SKU if that many are left; True if taken.

    One conditional ``UPDATE ... SET stock = stock - q WHERE stock >= q``: no lock is held, and
    of many buyers racing for the last units exactly as many win as there are units.
    """
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
        raise invalid("quantity", _("The quantity must be at least 1."), code="invalid_quantity")
    with transaction.atomic(savepoint=False):
        taken = _stock_move(sku_id=sku_id, delta=-quantity, is_active=True,
                            stock__gte=quantity)
    return bool(taken)


# --- low stock: "stock.low" once each time a SKU's stock falls to the threshold or below -------
# Every move is a conditional UPDATE whose WHERE says whether it crosses the threshold, so the
# event is published exactly once per crossing however many buyers race, and the common move
# (plenty left) stays one statement.
def _stock_move(*, sku_id: int, delta: int, **conditions: object) -> int:
    """Add ``delta`` (negative: take) to the SKU if it meets ``conditions``; 1 if it moved."""
    rows = Sku.objects.filter(pk=sku_id, **conditions)
    if delta >= 0:
        return rows.update(stock=F("stock") + delta)
    threshold = settings.CATALOG_LOW_STOCK_THRESHOLD
    if rows.filter(stock__gt=threshold - delta).update(stock=F("stock") + delta):
        return 1  # still above the threshold afterwards
    if rows.filter(stock__gt=threshold).update(stock=F("stock") + delta):
        _stock_low_publish(sku_id)
        return 1
    return rows.update(stock=F("stock") + delta)  # already low


def _stock_set(*, sku_id: int, stock: int) -> None:
    rows = Sku.objects.filter(pk=sku_id)
    threshold = settings.CATALOG_LOW_STOCK_THRESHOLD
    if stock <= threshold and rows.filter(stock__gt=threshold).update(stock=stock):
        _stock_low_publish(sku_id)
    else:
        rows.update(stock=stock)


def _stock_low_publish(sku_id: int) -> None:
    sku = Sku.objects.filter(pk=sku_id).select_related("product").only(
        "stock", "spec_key", "product__merchant_id", "product__name").get()
    STOCK_LOW.publish(StockLow(
        sku_id=sku.pk, product_id=sku.product_id, merchant_id=sku.product.merchant_id,
        product_name=sku.product.name, spec_key=sku.spec_key, stock=sku.stock,
        threshold=settings.CATALOG_LOW_STOCK_THRESHOLD))


def sku_stock_return(*, sku_id: int, quantity: int) -> None:
    """Put units back (a cancelled or refunded order)."""
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
        raise invalid("quantity", _("The quantity must be at least 1."), code="invalid_quantity")
    with transaction.atomic(savepoint=False):
        returned = Sku.objects.filter(pk=sku_id).update(stock=F("stock") + quantity)
    if not returned:
        raise NotFound(_("This SKU does not exist."), code="sku_not_found")
