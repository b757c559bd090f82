from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SharingConfig(AppConfig):
    name = "trustmart.sharing"
    label = "sharing"
    verbose_name = _("Sharing")

    def ready(self) -> None:
        from . import handlers, jobs  # noqa: F401  (registers event handlers and sweeps)
