"""Builders for merchant tests: categories, documents, applications, funded deposits."""

from __future__ import annotations

import io
import itertools
from typing import Any

from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from trustmart.accounts.models import User
from trustmart.core.tests import pdfs
from trustmart.ledger.models import Purpose
from trustmart.ledger.services import Leg, account_get_or_create, post
from trustmart.merchants import services
from trustmart.merchants.models import Merchant, MerchantApplication
from trustmart.merchants.selectors import merchant_deposit_account
from trustmart.merchants.validators import credit_code_check_char

_serial = itertools.count(1)


def valid_code(first17: str | None = None) -> str:
    """A credit code with the right check character (a fresh one each call by default)."""
    body = first17 or f"91330106MA{next(_serial):07d}"
    return body + credit_code_check_char(body)


def category(slug: str, deposit_fen: int = 0, parent: Any = None) -> Any:
    model = apps.get_model("catalog", "Category")
    return model.objects.create(name=slug, slug=slug, deposit_fen=deposit_fen, parent=parent)


def png(name: str = "licence.png", size: tuple[int, int] = (60, 40)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 80, 60)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def jpeg(name: str = "licence.jpg") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (60, 40), (20, 80, 160)).save(buffer, format="JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def pdf(name: str = "licence.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdfs.real_pdf(), content_type="application/pdf")


def application_fields(categories: list[Any], **overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "company_name": "杭州暖暖母婴用品有限公司", "credit_code": valid_code(),
        "legal_representative": "吴晓燕", "contact_name": "何佳",
        "contact_mobile": "13912345678", "brand_name": "暖暖母婴",
        "main_category_ids": [c.pk for c in categories],
        "business_licence": png(), "brand_authorisation": pdf(),
    }
    fields.update(overrides)
    return fields


def submit(applicant: User, categories: list[Any], **overrides: Any) -> MerchantApplication:
    return services.application_submit(applicant=applicant,
                                       **application_fields(categories, **overrides))


def approved(applicant: User, operator: User, categories: list[Any],
             **overrides: Any) -> Merchant:
    application = submit(applicant, categories, **overrides)
    return services.application_approve(operator=operator, application_id=application.pk)


def fund_deposit(merchant: Merchant, amount_fen: int) -> None:
    """Money arrives from outside into the merchant's deposit account (what payments does)."""
    source = account_get_or_create(owner_type="platform", owner_id=None,
                                   purpose=Purpose.EXTERNAL_PAYMENT_SOURCE)
    post(entries=[Leg.debit(source, amount_fen),
                  Leg.credit(merchant_deposit_account(merchant=merchant), amount_fen)],
         kind="test_deposit")


def take_from_deposit(merchant: Merchant, amount_fen: int) -> None:
    """Compensation leaves the deposit (what aftersales will do)."""
    payout = account_get_or_create(owner_type="platform", owner_id=None,
                                   purpose=Purpose.EXTERNAL_PAYOUT)
    post(entries=[Leg.debit(merchant_deposit_account(merchant=merchant), amount_fen),
                  Leg.credit(payout, amount_fen)], kind="test_compensation")
