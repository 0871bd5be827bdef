"""Evidence: figures that apps compute about a subject over a named period, and their bookkeeping.

An app (a *source*: sensors, surveys, ...) never writes these tables by hand:
it goes through civic.evidence (one service that replaces a source's rows
for a period and subjects), names its figures from the vocabulary it
registered (civic.vocabulary) and its periods through civic.periods.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class EvidencePeriod(models.Model):
    """A named stretch of days that figures describe: a warm season, a heat wave, ...

    `start` and `end` are local dates, both included. The live "last 30 days"
    period moves with the calendar; every other kind keeps its dates.
    """

    class Kind(models.TextChoices):
        SEASON = "season", _("warm season")
        HEAT_WAVE = "heat_wave", _("heat wave")
        RECENT = "recent", _("last 30 days")
        CUSTOM = "custom", _("chosen period")
        TO_DATE = "to_date", _("everything so far")

    # In URLs as ?period=: "season-2026", "heat-wave-2026-07-18", "last-30-days",
    # "2026-07-01..2026-07-31" (an officer's period), "to-date".
    key = models.CharField(_("key"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, db_index=True)
    start = models.DateField(_("first day"))
    end = models.DateField(_("last day"))
    name = models.CharField(_("name"), max_length=100, blank=True)
    # Per source: {"days": days with data in the period, "first": …, "last": …};
    # written by civic.evidence when a source replaces its figures for the period.
    coverage = models.JSONField(_("data per source"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("defined by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("evidence period")
        verbose_name_plural = _("evidence periods")
        ordering = ["-start", "kind", "key"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gte=models.F("start")), name="period_not_reversed"
            )
        ]

    def __str__(self) -> str:
        from civic.periods import period_label

        return str(period_label(self))

    @property
    def data_days(self) -> int:
        """Days with data in the period, by the source that has most."""
        return max((int(c.get("days") or 0) for c in self.coverage.values()), default=0)


class Evidence(models.Model):
    """One named figure from one source about a challenge or an area over one period."""

    challenge = models.ForeignKey(
        "civic.Challenge",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="evidence",
        verbose_name=_("challenge"),
    )
    area = models.ForeignKey(
        "civic.Area",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="evidence",
        verbose_name=_("area"),
    )
    period = models.ForeignKey(
        EvidencePeriod,
        on_delete=models.CASCADE,
        related_name="evidence",
        verbose_name=_("period"),
    )
    source = models.CharField(
        _("source"), max_length=50, help_text=_("The app that computed the figure.")
    )
    name = models.CharField(_("name"), max_length=100)
    value = models.FloatField(_("value"), null=True, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["challenge", "area", "source", "name"]
        constraints = [
            # About exactly one thing: a challenge or an area.
            models.CheckConstraint(
                condition=models.Q(challenge__isnull=False, area__isnull=True)
                | models.Q(challenge__isnull=True, area__isnull=False),
                name="evidence_about_one_thing",
            ),
            # One figure per (subject, source, name, period): recomputing upserts.
            models.UniqueConstraint(
                fields=["challenge", "source", "name", "period"],
                condition=models.Q(challenge__isnull=False),
                name="evidence_one_per_name",
            ),
            models.UniqueConstraint(
                fields=["area", "source", "name", "period"],
                condition=models.Q(area__isnull=False),
                name="evidence_one_per_area_name",
            ),
        ]
        indexes = [models.Index(fields=["source", "period"], name="evidence_source_period")]

    def __str__(self) -> str:
        return f"{self.source}.{self.name} = {self.value}"


class EvidenceStale(models.Model):
    """Work for a source: figures that must be recomputed because what they describe changed.

    Written in the same transaction as the change (a new challenge, a moved
    sensor, new readings in a period), so the database is the source of truth
    for pending work: the source's task claims the markers, and a beat sweep
    queues it again for markers nobody claimed. An empty period or subject
    means every period or every subject.
    """

    source = models.CharField(_("source"), max_length=50)
    period = models.ForeignKey(
        EvidencePeriod, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    subject_kind = models.CharField(_("subject kind"), max_length=30, blank=True)
    subject_id = models.BigIntegerField(_("subject"), null=True, blank=True)
    marked_at = models.DateTimeField(_("marked at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("evidence to recompute")
        verbose_name_plural = _("evidence to recompute")

    def __str__(self) -> str:
        return f"{self.source} {self.period_id or '*'} {self.subject_kind or '*'}"


class EvidenceRun(models.Model):
    """One run of a background job that computes evidence, for the operators' record."""

    class Status(models.TextChoices):
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    job = models.CharField(_("job"), max_length=100, db_index=True)
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.RUNNING
    )
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("evidence run")
        verbose_name_plural = _("evidence runs")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.job} {self.started_at:%Y-%m-%d %H:%M} {self.status}"
