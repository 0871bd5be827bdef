"""manage.py import_landcover FILE.geojson: the green/paved/water/building layer."""

import argparse
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from sensors.landcover import (
    DEFAULT_CLASS_PROPERTY,
    KIND_ALIASES,
    landcover_import_geojson,
)
from sensors.models import LandCover

_DEFAULTS = "\n".join(
    f"  {kind:<9} {', '.join(v for v, k in KIND_ALIASES.items() if k == kind)}"
    for kind in LandCover.Kind.values
)
DESCRIPTION = f"""\
Loads the polygons of a GeoJSON FeatureCollection (WGS84 longitude/latitude) as
the new land-cover layer (--append: added to it), then recomputes every
sensor's green and paved shares.

Each feature is a Polygon or MultiPolygon with a property that names its kind.
By default the property is "{DEFAULT_CLASS_PROPERTY}" and its values may be
(compared without case):
{_DEFAULTS}

For another layer, name the property with --class-property and its values per
kind with --green, --paved, --water and --building; each takes one value or a
comma-separated list and may be repeated, and then only the values given count.
--skip leaves the features with a value out.

  manage.py import_landcover bgt.geojson --class-property class \\
      --green grass,park --green "groenvoorziening" --paved paved --skip unknown

All or nothing: a missing property, a value that names no kind (reported once
with the features holding it and the values allowed) or a feature that is not
a polygon loads nothing. Messages number features from 0, as in the file's
"features" list.
"""


def _values(text: str) -> list[str]:
    return [value.strip() for value in text.split(",") if value.strip()]


class Command(BaseCommand):
    help = "Replace the land-cover layer with the polygons of a GeoJSON FeatureCollection."

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.description = DESCRIPTION
        parser.formatter_class = argparse.RawDescriptionHelpFormatter
        return parser

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="a GeoJSON FeatureCollection")
        parser.add_argument("--append", action="store_true", help="keep the current polygons")
        parser.add_argument(
            "--class-property",
            default=DEFAULT_CLASS_PROPERTY,
            metavar="NAME",
            help=f'the property naming each feature\'s kind (default "{DEFAULT_CLASS_PROPERTY}")',
        )
        for kind in LandCover.Kind.values:
            parser.add_argument(
                f"--{kind}",
                action="append",
                default=[],
                type=_values,
                metavar="VALUE[,VALUE]",
                help=f"values of the property that mean {kind}",
            )
        parser.add_argument(
            "--skip",
            action="append",
            default=[],
            type=_values,
            metavar="VALUE[,VALUE]",
            help="values whose features are left out",
        )

    def handle(self, *args, **options):
        path: Path = options["file"]
        mapping = {
            kind: [value for values in options[kind] for value in values]
            for kind in LandCover.Kind.values
            if options[kind]
        }
        try:
            count = landcover_import_geojson(
                text=path.read_text(encoding="utf-8"),
                source=path.name,
                replace=not options["append"],
                class_property=options["class_property"],
                mapping=mapping or None,
                skip=[value for values in options["skip"] for value in values],
            )
        except OSError as error:
            raise CommandError(str(error)) from None
        except UnicodeDecodeError:
            raise CommandError(_("The file is not UTF-8 text; nothing was loaded.")) from None
        except ValidationError as error:
            messages = [message for messages in error.message_dict.values() for message in messages]
            raise CommandError(
                _("Nothing was loaded.") + "\n" + "\n".join(f"- {m}" for m in messages)
            ) from None
        self.stdout.write(self.style.SUCCESS(f"{count} land-cover polygons loaded."))
