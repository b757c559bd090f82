from django.apps import AppConfig


class LiveConfig(AppConfig):
    name = "tests.live"
    label = "live"

    def ready(self) -> None:
        from . import hooks  # noqa: F401
