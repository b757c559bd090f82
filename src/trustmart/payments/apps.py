from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "trustmart.payments"
    label = "payments"
    verbose_name = _("Payments")

    def ready(self) -> None:
        # Registers the deployment check, the timed sweeps, and subscribes to order.refunded.
        from . import checks, handlers, jobs  # noqa: F401
