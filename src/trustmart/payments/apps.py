from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "trustmart.payments"
    label = "payments"
    verbose_name = _("Payments")

    def ready(self) -> None:
        # Registers the deployment check, subscribes to order.refunded, and the timed sweeps.
        from . import checks, handlers, jobs  # noqa: F401
