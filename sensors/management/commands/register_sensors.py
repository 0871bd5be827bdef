"""manage.py register_sensors FILE --by EMAIL --tokens-out PATH: sensors from CSV or GeoJSON."""

import os
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from sensors.bulk_registration import (
    MAX_FILE_BYTES,
    RegistrationRejected,
    sensors_register_file,
)

# Problems printed before "and N more".
SHOWN_PROBLEMS = 50


class Command(BaseCommand):
    help = (
        "Register every sensor of a CSV or GeoJSON file, or none: columns (or properties) "
        "device_id, kind (garden, lamp_post, school, other), owner_email (required for a "
        "garden, empty for a lamp post), quantities, latitude, longitude (GeoJSON: a Point), "
        "and optionally name, height_m, exposure, surface, hardware. One bad row registers "
        "nothing and every bad row is named. The device tokens are written to --tokens-out "
        "(device_id,token; readable by you only) and kept nowhere else."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="the CSV or GeoJSON file")
        parser.add_argument(
            "--by",
            required=True,
            metavar="EMAIL",
            help="e-mail address of the officer registering them (recorded)",
        )
        parser.add_argument(
            "--tokens-out",
            required=True,
            type=Path,
            metavar="PATH",
            help="where to write the device tokens; must not exist yet",
        )

    def handle(self, *args, **options):
        path: Path = options["file"]
        out: Path = options["tokens_out"]
        officer = get_user_model().objects.filter(email__iexact=options["by"].strip()).first()
        if officer is None:
            raise CommandError(
                _("No account has the e-mail address %(email)s.") % {"email": options["by"]}
            )
        if out.exists():
            raise CommandError(_("%(path)s exists already; name a new file.") % {"path": out})
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                raise CommandError(
                    _("The file is larger than %(mb)d MB; split it.")
                    % {"mb": MAX_FILE_BYTES // (1024 * 1024)}
                )
            content = path.read_bytes()
            # Opened before registering: a folder that cannot be written fails with nothing done.
            descriptor = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except OSError as error:
            raise CommandError(str(error)) from None
        try:
            # The tokens are on disk before the sensors are committed: a write that
            # fails leaves no sensor without a token anyone holds.
            with transaction.atomic():
                registration, tokens_csv = sensors_register_file(
                    actor=officer, content=content, file_name=path.name, hold_tokens=False
                )
                with os.fdopen(descriptor, "wb") as tokens_file:
                    descriptor = None
                    tokens_file.write(tokens_csv)
                    tokens_file.flush()
                    os.fsync(tokens_file.fileno())
        except (RegistrationRejected, PermissionDenied, OSError) as error:
            if descriptor is not None:
                os.close(descriptor)
            out.unlink(missing_ok=True)
            raise CommandError(self._report(error)) from None
        self.stdout.write(
            self.style.SUCCESS(
                ngettext(
                    "%(n)d sensor registered; its device token is in %(path)s.",
                    "%(n)d sensors registered; their device tokens are in %(path)s.",
                    registration.sensor_count,
                )
                % {"n": registration.sensor_count, "path": out}
            )
        )

    def _report(self, error) -> str:
        if not isinstance(error, RegistrationRejected):
            return str(error)
        lines = error.file_problems or [str(problem) for problem in error.rows[:SHOWN_PROBLEMS]]
        more = error.count - len(lines)
        if more > 0:
            lines.append(
                ngettext("… and %(n)d more problem.", "… and %(n)d more problems.", more)
                % {"n": more}
            )
        return _("The file was refused; no sensor was registered.") + "\n" + "\n".join(lines)
