"""core.services.model_update: a partial update that writes only what changed."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from trustmart.core.errors import InvalidInput
from trustmart.core.models import IdempotencyKey
from trustmart.core.services import model_update

pytestmark = pytest.mark.django_db


@pytest.fixture
def key() -> IdempotencyKey:
    return IdempotencyKey.objects.create(actor="u1", scope="POST /x", key="k", request_hash="h")


def test_only_changed_fields_are_written(key: IdempotencyKey) -> None:
    with CaptureQueriesContext(connection) as queries:
        same, changed = model_update(key, data={"actor": "u1", "scope": "POST /y", "key": "nope"},
                                     fields=["actor", "scope"])
    assert same is key and changed
    updates = [q["sql"] for q in queries if q["sql"].startswith("UPDATE")]
    assert len(updates) == 1
    assert '"scope"' in updates[0] and '"actor"' not in updates[0] and '"key"' not in updates[0]
    key.refresh_from_db()
    assert (key.scope, key.key) == ("POST /y", "k")  # "key" was not among the fields


def test_nothing_changed_writes_nothing(key: IdempotencyKey) -> None:
    with CaptureQueriesContext(connection) as queries:
        _, changed = model_update(key, data={"actor": "u1"}, fields=["actor", "scope"])
    assert not changed and len(queries) == 0


def test_invalid_value_is_refused_and_the_instance_kept(key: IdempotencyKey) -> None:
    with pytest.raises(InvalidInput) as caught:
        model_update(key, data={"status": "bogus", "scope": "POST /z"},
                     fields=["status", "scope"])
    assert set(caught.value.fields) == {"status"}
    assert (key.status, key.scope) == ("in_progress", "POST /x")
    key.refresh_from_db()
    assert key.scope == "POST /x"


def test_constraints_of_changed_fields_are_checked(key: IdempotencyKey) -> None:
    other = IdempotencyKey.objects.create(actor="u1", scope="POST /x", key="k2", request_hash="h")
    with pytest.raises(InvalidInput):
        model_update(other, data={"key": "k"}, fields=["key"])
