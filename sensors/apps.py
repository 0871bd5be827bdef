"""App configuration of sensors: its evidence source and vocabulary, its receivers."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SensorsConfig(AppConfig):
    name = "sensors"
    verbose_name = _("Sensor network")

    def ready(self) -> None:
        from civic.vocabulary import Source, register_source
        from sensors import receivers
        from sensors.evidence import SOURCE
        from sensors.ingest import queue_recompute
        from sensors.vocabulary import MEASURES

        register_source(
            Source(
                name=SOURCE,
                label=_("sensor network"),
                queue=queue_recompute,
                map_layer="sensor-list",
            ),
            *MEASURES,
        )
        receivers.connect()
