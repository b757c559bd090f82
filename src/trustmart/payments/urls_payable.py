"""Money-out pages at the site's root: the merchant's payable (``/merchant/payable/``, moved
here from orders with its withdrawals), payout accounts, the buyer's wallet, and the operators'
payout and reconciliation queues. The project URLconf includes it at the root."""

from django.urls import path

from . import views_money, views_payable

app_name = "payments_payable"

urlpatterns = [
    path("merchant/payable/", views_payable.payable_page, name="payable"),
    path("me/payout-account/", views_money.payout_account_page, name="payout_account"),
    path("me/wallet/", views_money.wallet_page, name="wallet"),
    path("ops/payouts/", views_money.ops_payouts, name="ops_payouts"),
    path("ops/payouts/batches/<int:batch_id>.csv", views_money.ops_batch_csv,
         name="ops_batch_csv"),
    path("ops/reconciliation/", views_money.ops_reconciliation, name="ops_reconciliation"),
]
