"""App configuration of sensors: its evidence source and vocabulary, its receivers."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SensorsConfig(AppConfig):
    name = "sensors"
    verbose_name = _("Sensor network")

    def ready(self) -> None:
        from celery.schedules import crontab

        from civic.celery import jobs_register
        from civic.impact_series import series_source_register
        from civic.menu import WORK, MenuItem, menu_register
        from civic.roles import ADMIN, OFFICER, grant
        from civic.vocabulary import Source, register_source
        from sensors import receivers, workflow  # noqa: F401  (registers the transition table)
        from sensors.evidence import SOURCE
        from sensors.impact import nightly_series
        from sensors.ingest import queue_recompute
        from sensors.vocabulary import MEASURES

        # Nightly series around an intervention's site, for its before/after evaluation.
        series_source_register(nightly_series)
        jobs_register(
            beat={
                # Recompute the dirty days whose task was never queued (Redis down).
                "sensors-dirty-days-sweep": {"task": "sensors.sweep_dirty_days", "schedule": 120.0},
                "sensors-month-qc": {
                    "task": "sensors.month_qc",
                    "schedule": crontab(hour=3, minute=15),
                },
                # Queue again the CSV imports whose message was lost or whose worker died.
                "sensors-reading-imports-sweep": {
                    "task": "sensors.sweep_reading_imports",
                    "schedule": 60.0,
                },
                # Sensors that stopped reporting become silent; their owners are told.
                "sensors-mark-silent": {"task": "sensors.mark_silent", "schedule": 900.0},
            },
            routes={
                # Large file imports have a queue of their own, so they never hold up
                # the recompute after live readings.
                "sensors.import_readings_file": {"queue": "ingest"},
                # A light job that only writes events and queues notifications.
                "sensors.mark_silent": {"queue": "default"},
                "sensors.*": {"queue": "evidence"},
            },
        )

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
        menu_register(
            MenuItem("sensors", _("Sensors"), "sensors:index", order=30),
            MenuItem(
                "sensors_upload",
                _("Upload readings"),
                "sensors:upload",
                frozenset({OFFICER, ADMIN}),
                order=220,
                group=WORK,
            ),
        )
