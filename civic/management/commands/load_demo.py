"""manage.py load_demo: the Stadshagen demo district, its residents and concerns."""

from time import monotonic

from django.core.management.base import BaseCommand

from civic.demo import load_demo


class Command(BaseCommand):
    help = "Load the Stadshagen (Zwolle) demo: areas, themes, accounts, concerns, challenges."

    def handle(self, *args, **options):
        started = monotonic()
        counts = load_demo(progress=lambda line: self.stdout.write(line))
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo ready in {monotonic() - started:.1f} s "
                f"(new: {counts['concerns']} concerns, {counts['challenges']} challenges)."
            )
        )
