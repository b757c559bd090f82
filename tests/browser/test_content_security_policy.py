"""Every role walks the main pages of the demo in Chromium with the Content-Security-Policy on:
any violation the browser reports (console message or ``securitypolicyviolation`` event) fails
the test, and the interactive bits (htmx partials, the confirm dialog, the filter sheet) still
work under the policy."""

from __future__ import annotations

from typing import Any

import pytest

from trustmart.accounts.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from trustmart.aftersales.models import Case
from trustmart.catalog.models import Product
from trustmart.orders.models import Order
from trustmart.sharing.models import Share
from trustmart.stores.models import Store
from trustmart.web.demo import build_demo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""


def _watch(page: Any) -> list[str]:
    seen: list[str] = []
    page.add_init_script(RECORD_VIOLATIONS)
    page.on("console", lambda message: seen.append(message.text)
            if "Content Security Policy" in message.text or "Content-Security-Policy"
            in message.text else None)
    return seen


def _visit(page: Any, url: str, seen: list[str]) -> None:
    response = page.goto(url)
    assert response is not None and response.status < 400, (url, response and response.status)
    page.wait_for_load_state("networkidle")
    assert "script-src 'self'" in response.headers.get("content-security-policy", ""), url
    events = page.evaluate("window.__cspViolations || []")
    assert not events and not seen, (url, events, seen)


def test_main_pages_of_every_role_raise_no_policy_violation(page: Any, log_in: Any) -> None:
    def as_role(role: str) -> None:
        log_in(next(a.mobile for a in DEMO_ACCOUNTS if a.role == role), DEMO_PASSWORD)

    build_demo()
    seen = _watch(page)
    product = Product.objects.filter(status="live", certificates__isnull=False).first()
    assert product is not None
    store = Store.objects.order_by("pk").first()
    assert store is not None

    for url in ("/", "/discover/", "/c/", f"/p/{product.pk}/", "/search/?q=茶",
                f"/s/{store.pk}/", "/rules/commission", "/credit/rules", "/login/",
                "/signup/", "/settings/language/", "/api/docs"):
        _visit(page, url, seen)
    # htmx partials under the policy: the store button slot on the product page loads.
    page.goto(f"/p/{product.pk}/")
    page.get_by_test_id("store-button-slot").wait_for(state="detached")
    # The filter sheet closes from its backdrop (was an hx-on handler, now web/app.js).
    page.goto("/search/?q=茶")
    page.get_by_test_id("filter-toggle").click()
    page.locator(".sheet-backdrop").click(position={"x": 5, "y": 5})
    assert not page.locator("details.filter-sheet").evaluate("d => d.open")
    # The signup page's htmx "send code" works (its answer is swapped in).
    page.goto("/signup/")
    page.get_by_label("手机号").fill("13987654321")
    page.get_by_test_id("send-code").click()
    page.locator("#code-status .ok").wait_for()
    assert not page.evaluate("window.__cspViolations") and not seen

    as_role("buyer")
    order = Order.objects.filter(buyer__mobile=DEMO_ACCOUNTS[0].mobile,
                                 status="shipped").first()
    assert order is not None
    buyer_case = Case.objects.filter(buyer__mobile=DEMO_ACCOUNTS[0].mobile).first()
    for url in ("/me/", "/me/tokens/", "/cart/", "/orders/", f"/orders/{order.order_no}/",
                "/my/cases/", "/my/reviews/", "/my/addresses/", "/me/earnings/",
                f"/p/{product.pk}/", "/pay/mine/"):
        _visit(page, url, seen)
    if buyer_case is not None:
        _visit(page, f"/cases/{buyer_case.case_no}/", seen)
    # The confirm dialog (was an inline onclick) asks, and "no" keeps the order as it is.
    page.goto(f"/orders/{order.order_no}/")
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.get_by_test_id("confirm-receipt").click()
    page.wait_for_load_state("networkidle")
    order.refresh_from_db()
    assert order.status == "shipped"

    as_role("store_owner")
    for url in ("/my/store/", "/my/shares/", "/stores/supply/", "/me/earnings/"):
        _visit(page, url, seen)
    mine = Share.objects.filter(sharer__mobile=next(
        a.mobile for a in DEMO_ACCOUNTS if a.role == "store_owner")).first()
    if mine is not None:
        _visit(page, f"/my/shares/{mine.code}/", seen)
        _visit(page, f"/my/shares/{mine.code}/tree/", seen)

    as_role("merchant_staff")
    for url in ("/merchant/", "/merchant/products/", "/merchant/orders/", "/merchant/cases/",
                "/merchant/payable/", "/merchant/reviews/", "/merchant/sharers/",
                "/merchant/staff/", "/merchant/application/"):
        _visit(page, url, seen)

    as_role("operator")
    for url in ("/ops/products/", "/ops/commission/", "/ops/commissions/policy/",
                "/ops/commissions/review/", "/ops/cases/", "/ops/orders/",
                "/merchant/ops/applications/", "/merchant/ops/merchants/",
                "/ops/reviews/reports/", "/admin/", "/admin/payments/refund/",
                "/admin/payments/payment/"):
        _visit(page, url, seen)
    page.locator("#result_list a").first.click()  # a payment's read-only page
    page.wait_for_load_state("networkidle")
    assert not page.evaluate("window.__cspViolations") and not seen
