"""Demo data: the demo merchant's ERP app, its calls, and a webhook endpoint whose deliveries
failed the way an unreachable receiver fails.

The endpoint points at an address of the documentation range (203.0.113.0/24). Registering
such a URL is refused, so the demo writes it into the row itself; the sender checks again
before every request and refuses it as not public before any connection is tried: the demo
shows real failed attempts and replay without sending anything anywhere. A second endpoint has
been failing for six days and is disabled, with the notice its merchant gets.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from trustmart.accounts.models import User
from trustmart.merchants.models import Merchant

from . import services
from .models import WebhookEndpoint

DEMO_URL = "https://203.0.113.10/hooks/trustmart"
DEMO_OLD_URL = "https://203.0.113.20/old-erp/webhooks"


def build(*, owner: User, merchant: Merchant) -> dict[str, int]:
    app, _secret = services.app_register(
        user=owner, merchant_id=merchant.pk, name="ERP 同步",
        description="订单同步与发货回传（演示）",
        scopes=["orders:read", "orders:ship", "products:read", "stock:write",
                "webhooks:manage"])
    now = timezone.now()
    for minutes, (path, scope, status) in enumerate((
            (f"/api/orders/merchant/{merchant.pk}/orders", "orders:read", 200),
            ("/api/logistics/shipments", "orders:ship", 201),
            ("/api/catalog/merchant/products", "products:read", 200),
            (f"/api/orders/merchant/{merchant.pk}/orders", "orders:read", 429))):
        call = services.api_call_record(app_id=app.pk, merchant_id=merchant.pk,
                                        method="POST" if status == 201 else "GET", path=path,
                                        scope=scope, status_code=status, latency_ms=12 + minutes)
        type(call).objects.filter(pk=call.pk).update(created_at=now - timedelta(minutes=minutes))
    endpoint, _s = services.endpoint_create(
        user=owner, merchant_id=merchant.pk, url="https://erp.example.com/hooks/trustmart",
        event_types=["order.paid", "order.shipped", "order.refunded", "case.opened"],
        description="ERP 订单推送（演示地址，不可达）")
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(url=DEMO_URL)
    queued = services.deliveries_replay(user=owner, endpoint_id=endpoint.pk,
                                        since=now - timedelta(days=400))
    attempted = services.deliveries_send_due(limit=8)
    old, _s = services.endpoint_create(user=owner, merchant_id=merchant.pk,
                                       url="https://old-erp.example.com/webhooks",
                                       event_types=["stock.low"], description="旧系统")
    WebhookEndpoint.objects.filter(pk=old.pk).update(
        url=DEMO_OLD_URL, failing_since=now - timedelta(days=6), consecutive_failures=40)
    services.endpoints_disable_failing()
    return {"apps": 1, "endpoints": 2, "queued": queued, "attempted": attempted}
