"""App configuration of surveys."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = _("Resident surveys")

    def ready(self) -> None:
        from surveys import receivers, workflow  # noqa: F401  (registers the transition table)

        receivers.connect()
