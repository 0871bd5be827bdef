"""manage.py load_demo: the Stadshagen (Zwolle) demo, core first, then each app's part."""

import importlib
import importlib.util
from time import monotonic

from django.apps import apps
from django.core.management.base import BaseCommand

from civic.demo import load_demo


class Command(BaseCommand):
    help = "Load the Stadshagen demo: areas, accounts, concerns, challenges, then the apps' data."

    def add_arguments(self, parser):
        parser.add_argument(
            "--core-only", action="store_true", help="Skip the apps' demo data (sensors, ...)."
        )
        parser.add_argument(
            "--sensor-days",
            type=int,
            default=None,
            help="Days of sensor readings (default: all of the summer).",
        )

    def handle(self, *args, **options):
        started = monotonic()
        write = self.stdout.write
        counts = load_demo(progress=write)
        if not options["core_only"]:
            # The core does not import the apps; each app may offer `<app>.demo.load_demo`.
            for config in apps.get_app_configs():
                if config.name == "civic" or not importlib.util.find_spec(f"{config.name}.demo"):
                    continue
                module = importlib.import_module(f"{config.name}.demo")
                extra = {"days": options["sensor_days"]} if options["sensor_days"] else {}
                module.load_demo(progress=write, **extra)
        write(
            self.style.SUCCESS(
                f"Demo ready in {monotonic() - started:.1f} s "
                f"(new: {counts['concerns']} concerns, {counts['challenges']} challenges)."
            )
        )
