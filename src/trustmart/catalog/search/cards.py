"""What a search result shows about a product, the same on the H5 page and in the API."""

from __future__ import annotations

from dataclasses import dataclass

from trustmart.catalog.models import Product
from trustmart.core.money import format_fen


def main_image_url(product: Product) -> str | None:
    """The first image in display order (the selector prefetches them ordered)."""
    images = list(product.images.all())
    return images[0].image.url if images else None


def is_genuine(product: Product) -> bool:
    """正品保证: sold by a vetted, active merchant whose guarantee deposit backs 假一赔十."""
    return product.merchant.can_sell


@dataclass(frozen=True)
class ProductCard:
    id: int
    name: str
    brand: str
    price_fen: int
    price: str
    main_image_url: str | None
    sales_count: int
    merchant_name: str
    genuine: bool


def product_card(product: Product) -> ProductCard:
    return ProductCard(
        id=product.pk, name=product.name, brand=product.brand, price_fen=product.price_fen,
        price=format_fen(product.price_fen), main_image_url=main_image_url(product),
        sales_count=product.sales_count, merchant_name=product.merchant.name,
        genuine=is_genuine(product),
    )
