"""The private storage and the move of files uploaded before it existed."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.test import Client

from trustmart.catalog.models import Certificate
from trustmart.catalog.tests.factories import make_category, make_merchant, make_product
from trustmart.core.storage import is_private_path, move_to_private
from trustmart.core.tests import pdfs

pytestmark = pytest.mark.django_db


def test_files_left_in_media_root_move_to_the_private_storage(make_user: object) -> None:
    owner = make_user("老商家")  # type: ignore[operator]
    category = make_category("tea")
    merchant = make_merchant(owner, categories=[category])
    product = make_product(owner, merchant, category, batch=False)
    old_name = storages["default"].save("certificates/ab/old.pdf", ContentFile(pdfs.real_pdf()))
    certificate = Certificate.objects.create(product=product, name="旧证书", file=old_name)
    assert Client().get(f"/media/{old_name}").status_code == 404  # refused even before moving

    move_to_private(apps, None, model="catalog.Certificate", field="file")
    move_to_private(apps, None, model="catalog.Certificate", field="file")  # again: no-op

    assert not storages["default"].exists(old_name)
    certificate.refresh_from_db()
    assert certificate.file.name == old_name
    with certificate.file.open("rb") as moved:
        assert moved.read() == pdfs.real_pdf()


@pytest.mark.parametrize("path, private", [
    ("merchant-papers/1/a.pdf", True), ("/aftersales/x.jpg", True),
    ("certificates/ab/c.pdf", True), ("avatars/1/a.jpg", False),
    ("product-images/ab/c.jpg", False), ("", False),
])
def test_private_folders(path: str, private: bool) -> None:
    assert is_private_path(path) is private
