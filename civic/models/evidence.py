"""Evidence rows that other apps write about a challenge; scoring reads only this table."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Evidence(models.Model):
    """One named figure from one source about a challenge or an area, replaced on recompute."""

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
    source = models.CharField(_("source"), max_length=50, help_text=_("e.g. sensors, surveys"))
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
            # One current figure per (subject, source, name): recomputing upserts.
            models.UniqueConstraint(
                fields=["challenge", "source", "name"],
                condition=models.Q(challenge__isnull=False),
                name="evidence_one_per_name",
            ),
            models.UniqueConstraint(
                fields=["area", "source", "name"],
                condition=models.Q(area__isnull=False),
                name="evidence_one_per_area_name",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source}.{self.name} = {self.value}"


class EvidenceRun(models.Model):
    """One run of a background job that computes evidence: the freshness pages show."""

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
