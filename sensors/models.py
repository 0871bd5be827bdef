"""Sensors, their device tokens, their readings and the (sensor, day / month) work markers."""

import hashlib
import uuid

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import BrinIndex
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sensors.quantities import QUANTITY_CHOICES


class Sensor(models.Model):
    """A sensor in a garden, on a lamp post, at a school or elsewhere.

    `location` is exact and private (only its owner and officers see it);
    `public_location` is the centre of its 100 m grid cell, computed once when
    the location is set, so repeated requests can never be averaged back to
    the garden. `area` is the area holding `public_location`, not `location`:
    the sensor is named and counted there (sensors.services.sensor_public_place).
    """

    class Kind(models.TextChoices):
        GARDEN = "garden", _("garden")
        LAMP_POST = "lamp_post", _("lamp post")
        SCHOOL = "school", _("school")
        OTHER = "other", _("other")

    class Hardware(models.TextChoices):
        NATIVE = "native", _("own firmware (native API)")
        MEET_JE_STAD = "meetjestad", _("Meet je Stad node")
        TTN = "ttn", _("The Things Network device")
        SENSOR_COMMUNITY = "sensor_community", _("sensor.community station")
        STATION = "station", _("municipal weather station")

    class Status(models.TextChoices):
        ACTIVE = "active", _("active")
        SILENT = "silent", _("silent")
        RETIRED = "retired", _("retired")

    class Exposure(models.TextChoices):
        SUN = "sun", _("full sun")
        PARTIAL = "partial", _("partly shaded")
        SHADE = "shade", _("shade")

    class Surface(models.TextChoices):
        PAVING = "paving", _("paving")
        GRASS = "grass", _("grass")
        PLANTS = "plants", _("plants or border")
        SOIL = "soil", _("bare soil")
        GRAVEL = "gravel", _("gravel")
        WATER = "water", _("water")
        OTHER = "other", _("other")

    external_id = models.CharField(
        _("device id"),
        max_length=100,
        unique=True,
        help_text=_("The id the device reports itself with (TTN device id, chip id, ...)."),
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    kind = models.CharField(
        _("kind"),
        max_length=10,
        choices=Kind.choices,
        default=Kind.OTHER,
        # Also in the database: the benchmark and other SQL insert sensors without it.
        db_default=Kind.OTHER,
        help_text=_(
            "Where it hangs: a resident's garden (needs its host as owner), a lamp post "
            "(the municipality's, no owner), a school, or elsewhere."
        ),
    )
    hardware = models.CharField(_("hardware"), max_length=20, choices=Hardware.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sensors",
        verbose_name=_("owner"),
        help_text=_("The resident who hosts it; empty for the municipality's own stations."),
    )
    quantities = ArrayField(
        models.CharField(max_length=30, choices=QUANTITY_CHOICES), verbose_name=_("quantities")
    )
    location = models.PointField(_("exact location (private)"), srid=4326)
    public_location = models.PointField(_("public location (100 m cell)"), srid=4326)
    area = models.ForeignKey(
        "civic.Area",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sensors",
        verbose_name=_("area"),
    )
    height_m = models.FloatField(_("height above ground (m)"), null=True, blank=True)
    exposure = models.CharField(
        _("sun or shade"), max_length=10, choices=Exposure.choices, blank=True
    )
    surface = models.CharField(
        _("surface below"), max_length=10, choices=Surface.choices, blank=True
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE, db_index=True
    )
    last_seen_at = models.DateTimeField(_("last seen"), null=True, blank=True)
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    registration = models.ForeignKey(
        "SensorRegistration",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sensors",
        verbose_name=_("registered from file"),
    )

    class Meta:
        verbose_name = _("sensor")
        verbose_name_plural = _("sensors")
        ordering = ["external_id"]

    def __str__(self) -> str:
        return self.name or self.external_id


class SensorRegistration(models.Model):
    """A file of sensors an officer registered at once, and its one-time file of device tokens.

    The tokens file (CSV: device_id, token) is kept only until its first
    download or `tokens_expire_at`, whichever comes first, and never readable:
    `tokens_sealed` is the file XORed with a one-time pad of random bytes that
    lives only in Redis (with the same expiry). A dump of the database alone, or
    of Redis alone, reveals no token (sensors.bulk_registration).
    """

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="sensor_registrations",
        verbose_name=_("registered by"),
    )
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    file_name = models.CharField(_("file name"), max_length=255)
    sensor_count = models.PositiveIntegerField(_("sensors"))
    tokens_sealed = models.BinaryField(_("sealed tokens file"), default=b"", editable=False)
    tokens_expire_at = models.DateTimeField(_("tokens file expires at"), null=True, blank=True)
    tokens_downloaded_at = models.DateTimeField(
        _("tokens file downloaded at"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("sensor registration from a file")
        verbose_name_plural = _("sensor registrations from files")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.sensor_count})"

    @property
    def tokens_waiting(self) -> bool:
        """Whether the tokens file can still be downloaded (not yet taken, not expired)."""
        return (
            self.tokens_downloaded_at is None
            and self.tokens_expire_at is not None
            and self.tokens_expire_at > timezone.now()
        )


class DeviceToken(models.Model):
    """A device's secret, stored only as a SHA-256 hash; revoke by setting revoked_at."""

    sensor = models.ForeignKey(Sensor, on_delete=models.CASCADE, related_name="tokens")
    # A random 256-bit token needs no slow hash: SHA-256 cannot be brute-forced here.
    key_hash = models.CharField(max_length=64, unique=True)
    hint = models.CharField(_("first characters"), max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("device token")
        verbose_name_plural = _("device tokens")

    def __str__(self) -> str:
        return f"{self.hint}… ({self.sensor})"

    @staticmethod
    def hash(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()


class Reading(models.Model):
    """One value of one quantity at one moment from one sensor; replays change nothing."""

    id = models.BigAutoField(primary_key=True)
    sensor = models.ForeignKey(
        Sensor, on_delete=models.CASCADE, related_name="readings", db_index=False
    )
    quantity = models.CharField(max_length=30, choices=QUANTITY_CHOICES)
    observed_at = models.DateTimeField()
    value = models.FloatField()
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("reading")
        verbose_name_plural = _("readings")
        constraints = [
            # The natural key: ingest uses ON CONFLICT DO NOTHING on it, so a
            # replayed batch adds nothing. It also serves per-sensor time ranges.
            models.UniqueConstraint(
                fields=["sensor", "quantity", "observed_at"], name="reading_once"
            )
        ]
        indexes = [
            # Readings arrive roughly in time order: a BRIN index is tiny and
            # good for "all sensors, this period" scans over tens of millions of rows.
            BrinIndex(fields=["observed_at"], name="reading_observed_brin", autosummarize=True)
        ]


class DirtyDay(models.Model):
    """A (sensor, local day) whose statistics must be recomputed; written with the readings."""

    sensor = models.ForeignKey(Sensor, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    marked_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("day to recompute")
        verbose_name_plural = _("days to recompute")
        constraints = [models.UniqueConstraint(fields=["sensor", "day"], name="dirty_day_once")]


class DirtyMonth(models.Model):
    """A (sensor, local month) whose station-month checks must run again; written with the readings.

    One row per sensor, like DirtyDay, so concurrent ingests of different
    devices never wait on each other's marker. `changes` counts the ingests
    since the row was written: a check removes only the markers it saw (same
    count), so readings committed while it ran leave their marker standing.
    """

    sensor = models.ForeignKey(Sensor, on_delete=models.CASCADE, related_name="+")
    month = models.DateField(help_text=_("First day of the month."))
    changes = models.PositiveBigIntegerField(default=1)
    marked_at = models.DateTimeField()

    class Meta:
        verbose_name = _("month to check")
        verbose_name_plural = _("months to check")
        constraints = [models.UniqueConstraint(fields=["sensor", "month"], name="dirty_month_once")]


class MonthCheck(models.Model):
    """When the station-month checks last ran for a local month (spaces out reruns)."""

    month = models.DateField(_("month"), unique=True, help_text=_("First day of the month."))
    checked_at = models.DateTimeField(_("checked at"))

    class Meta:
        verbose_name = _("station-month check")
        verbose_name_plural = _("station-month checks")


class ReadingFlag(models.Model):
    """A reading that failed a quality-control check; indicators leave it out.

    Failures are rare, so a sparse table beats a flag column on the big
    readings table (no rewrite of millions of rows when checks run again).
    """

    sensor = models.ForeignKey(Sensor, on_delete=models.CASCADE, related_name="+")
    quantity = models.CharField(max_length=30, choices=QUANTITY_CHOICES)
    observed_at = models.DateTimeField()
    check_name = models.CharField(_("check"), max_length=30)
    detail = models.CharField(_("detail"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("reading flag")
        verbose_name_plural = _("reading flags")
        constraints = [
            models.UniqueConstraint(
                fields=["sensor", "quantity", "observed_at", "check_name"], name="flag_once"
            )
        ]
        # QC replaces the flags of whole days across all sensors.
        indexes = [models.Index(fields=["observed_at"], name="flag_observed_idx")]


class SensorDay(models.Model):
    """Daily statistics of one sensor (local day, Europe/Amsterdam), from readings that pass QC.

    Warm / summer / tropical days and tropical nights are thresholds on t_max
    and t_min (KNMI: 20 / 25 / 30 °C; night 20 °C), derived where needed.
    """

    sensor = models.ForeignKey(Sensor, on_delete=models.CASCADE, related_name="days")
    day = models.DateField()
    t_min = models.FloatField(null=True)
    t_max = models.FloatField(null=True)
    t_mean = models.FloatField(null=True)
    t_count = models.PositiveIntegerField(default=0)
    hours_25 = models.PositiveSmallIntegerField(default=0)
    hours_30 = models.PositiveSmallIntegerField(default=0)
    day_mean = models.FloatField(null=True)
    night_mean = models.FloatField(null=True)
    day_anomaly = models.FloatField(null=True)
    night_anomaly = models.FloatField(null=True)
    rh_mean = models.FloatField(null=True)
    soil_mean = models.FloatField(null=True)
    soil_count = models.PositiveIntegerField(default=0)
    wet_feet_hours = models.PositiveSmallIntegerField(default=0)
    # Days in a row (up to this one) with wet / dry soil; NULL without soil data.
    wet_spell_days = models.PositiveSmallIntegerField(null=True)
    dry_spell_days = models.PositiveSmallIntegerField(null=True)
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("sensor day")
        verbose_name_plural = _("sensor days")
        ordering = ["sensor", "day"]
        constraints = [models.UniqueConstraint(fields=["sensor", "day"], name="sensor_day_once")]
        indexes = [models.Index(fields=["day"])]

    @property
    def tropical_night(self) -> bool:
        return self.t_min is not None and self.t_min >= 20

    @property
    def summer_day(self) -> bool:
        return self.t_max is not None and self.t_max >= 25


class SensorMonthFlag(models.Model):
    """A sensor-month that failed a station-level check; its readings are left out."""

    sensor = models.ForeignKey(Sensor, on_delete=models.CASCADE, related_name="month_flags")
    month = models.DateField(help_text=_("First day of the month."))
    check_name = models.CharField(_("check"), max_length=30)
    value = models.FloatField(_("measured"), null=True)
    detail = models.CharField(_("detail"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("sensor-month flag")
        verbose_name_plural = _("sensor-month flags")
        constraints = [
            models.UniqueConstraint(
                fields=["sensor", "month", "check_name"], name="month_flag_once"
            )
        ]


class LandCover(models.Model):
    """A land-cover polygon (green, paved, water, building), imported from GeoJSON."""

    class Kind(models.TextChoices):
        GREEN = "green", _("green")
        PAVED = "paved", _("paved")
        WATER = "water", _("water")
        BUILDING = "building", _("building")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, db_index=True)
    geometry = models.MultiPolygonField(_("geometry"), srid=4326)
    source = models.CharField(_("source"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("land cover")
        verbose_name_plural = _("land cover")


class SensorSurroundings(models.Model):
    """Shares of green and paving around a sensor, from the land-cover layer (PostGIS, metres)."""

    sensor = models.OneToOneField(Sensor, on_delete=models.CASCADE, related_name="surroundings")
    green_50 = models.FloatField(_("green share within 50 m"), null=True)
    green_100 = models.FloatField(_("green share within 100 m"), null=True)
    paved_50 = models.FloatField(_("paved share within 50 m"), null=True)
    paved_100 = models.FloatField(_("paved share within 100 m"), null=True)
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("sensor surroundings")
        verbose_name_plural = _("sensor surroundings")


def reading_import_path(instance: "ReadingImport", filename: str) -> str:
    # A random name, never the uploader's; MEDIA_URL is not served (see settings), so
    # the file can only be read by the import task, never downloaded.
    return f"sensor-imports/{uuid.uuid4().hex}.csv"


class ReadingImport(models.Model):
    """A large CSV file of readings, imported in the background: who sent it and how it went.

    The file is kept only until the import ends (done or failed); the outcome,
    with the refusal report naming line and column, stays on the row.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("waiting")
        RUNNING = "running", _("importing")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="reading_imports",
        verbose_name=_("uploaded by"),
    )
    file = models.FileField(_("stored file"), upload_to=reading_import_path, blank=True)
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sensor = models.ForeignKey(
        Sensor,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("chosen sensor"),
    )
    # Kept apart from `sensor`: if the chosen sensor is deleted before the import
    # runs, the rows must not silently go to whatever their device_id column says.
    device_id = models.CharField(_("chosen device id"), max_length=100, blank=True)
    # The uploader's language: the report is written in it by the worker.
    language = models.CharField(_("language"), max_length=10, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    received = models.PositiveIntegerField(_("rows received"), default=0)
    stored = models.PositiveIntegerField(_("readings stored"), default=0)
    # The first refusal messages as [{"line", "column", "message"}], and how many there were.
    row_errors = models.JSONField(_("problems in the file"), default=list, blank=True)
    error_count = models.PositiveIntegerField(_("number of problems"), default=0)
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    queued_at = models.DateTimeField(_("last queued at"))
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("readings import")
        verbose_name_plural = _("readings imports")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["uploaded_by", "-created_at"], name="import_uploader_idx")]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_status_display()})"

    @property
    def duplicates(self) -> int:
        return self.received - self.stored

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
