"""manage.py import_landcover FILE.geojson: the green/paved/water/building layer."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from sensors.landcover import landcover_import_geojson


class Command(BaseCommand):
    help = "Replace the land-cover layer with the polygons of a GeoJSON FeatureCollection."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--append", action="store_true", help="Keep the current polygons.")

    def handle(self, *args, **options):
        path: Path = options["file"]
        try:
            count = landcover_import_geojson(
                text=path.read_text(encoding="utf-8"),
                source=path.name,
                replace=not options["append"],
            )
        except (OSError, ValidationError) as error:
            raise CommandError(str(error)) from None
        self.stdout.write(self.style.SUCCESS(f"{count} land-cover polygons loaded."))
