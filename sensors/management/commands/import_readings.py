"""manage.py import_readings FILE [--device ID]: a CSV of readings, checked whole, stored whole."""

from time import monotonic

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from sensors.csv_import import CsvImportRejected, readings_import_csv
from sensors.models import Sensor

# Errors printed before "and N more".
SHOWN_ERRORS = 50
BAR_WIDTH = 30


class _ProgressBar:
    """A textual bar: redrawn in place on a terminal, one line per percent in a log."""

    def __init__(self, out):
        self.out = out
        self.tty = out.isatty()
        self.last_percent = -1
        self.drawn = False

    def __call__(self, rows: int, share: float | None) -> None:
        if share is None:  # a stream of unknown size: rows only
            line = _("%(rows)d rows checked") % {"rows": rows}
            percent = self.last_percent + 1
        else:
            percent = int(share * 100)
            filled = int(BAR_WIDTH * share)
            line = "[{}{}] {:3d}% {}".format(
                "#" * filled,
                "-" * (BAR_WIDTH - filled),
                percent,
                _("%(rows)d rows checked") % {"rows": rows},
            )
        if self.tty:
            self.out.write("\r" + line, ending="")
            self.out.flush()
            self.drawn = True
        elif percent != self.last_percent:
            self.out.write(line)
        self.last_percent = percent

    def finish(self) -> None:
        if self.drawn:
            self.out.write("")
            self.drawn = False


class Command(BaseCommand):
    help = (
        "Import readings from a CSV file with the columns device_id,quantity,observed_at,value "
        "(',' or ';'). Every row is checked first; one bad row refuses the whole file and "
        "nothing is written. Replays store nothing new."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="path of the CSV file")
        parser.add_argument(
            "--device",
            metavar="ID",
            help="device id of the sensor all rows belong to (the file may omit device_id)",
        )

    def handle(self, *args, **options):
        sensor = None
        if options["device"]:
            sensor = Sensor.objects.filter(external_id=options["device"]).first()
            if sensor is None:
                raise CommandError(
                    _("No sensor is registered with device id %(id)s.") % {"id": options["device"]}
                )
        started = monotonic()
        bar = _ProgressBar(self.stdout)
        self.stdout.write(
            _("Checking and storing every row of %(file)s …") % {"file": options["file"]}
        )
        try:
            result = readings_import_csv(file=options["file"], sensor=sensor, progress=bar)
        except OSError as error:
            bar.finish()
            raise CommandError(str(error)) from error
        except CsvImportRejected as rejected:
            bar.finish()
            lines = [str(error) for error in rejected.row_errors[:SHOWN_ERRORS]]
            more = rejected.error_count - len(lines)
            if more > 0:
                lines.append(
                    ngettext("… and %(n)d more error.", "… and %(n)d more errors.", more)
                    % {"n": more}
                )
            raise CommandError(
                _("The file was refused; nothing was written.") + "\n" + "\n".join(lines)
            ) from rejected
        bar.finish()
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "%(received)d rows read, %(stored)d stored, %(duplicates)d already present "
                    "(%(seconds).1f s)."
                )
                % {
                    "received": result.received,
                    "stored": result.stored,
                    "duplicates": result.duplicates,
                    "seconds": monotonic() - started,
                }
            )
        )
