"""App configuration of surveys."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = _("Resident surveys")

    def ready(self) -> None:
        from civic.vocabulary import Source, register_source
        from surveys import receivers, workflow  # noqa: F401  (registers the transition table)
        from surveys.signal import SOURCE
        from surveys.vocabulary import MEASURES

        register_source(
            Source(
                name=SOURCE,
                label=_("resident surveys"),
                queue=receivers.signal_queue_recompute,
                dated=False,
            ),
            *MEASURES,
        )
        receivers.connect()
