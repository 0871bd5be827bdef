"""App configuration of sensors."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SensorsConfig(AppConfig):
    name = "sensors"
    verbose_name = _("Sensor network")

    def ready(self) -> None:
        from civic.roles import OFFICER, grant
        from sensors import workflow  # noqa: F401  (registers the transition table)

        # Officers run the network. A sensor's exact location and its owner are
        # personal data, so council members get nothing here.
        grant(
            OFFICER,
            [
                "sensors.view_sensor",
                "sensors.add_sensor",
                "sensors.change_sensor",
                "sensors.view_devicetoken",
                "sensors.change_devicetoken",
                "sensors.view_reading",
                "sensors.view_dirtyday",
            ],
        )
