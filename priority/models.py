"""Models of priority: weights versions, council priority themes, scores, overrides, snapshots.

Weights, council themes and overrides are append-only: each change is a new
row saying who made it and when, and the latest row is in force. Scores and
their breakdown are computed (priority.scoring) and replaced as a whole.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Version(models.Model):
    """An append-only version: its number, who set it, when and why; the newest is in force."""

    number = models.PositiveIntegerField(_("version"), unique=True)
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("set by"),
    )
    created_at = models.DateTimeField(_("set at"), auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["-number"]


class WeightsVersion(Version):
    """One version of the score's weights, set by an officer; the newest is in force."""

    # {criterion key: weight ≥ 0}; every criterion of priority.criteria, not all zero.
    weights = models.JSONField(_("weights"))

    class Meta(Version.Meta):
        verbose_name = _("weights version")
        verbose_name_plural = _("weights versions")

    def __str__(self) -> str:
        return str(_("weights version %(number)s") % {"number": self.number})


class CouncilThemesVersion(Version):
    """The themes the council marked as its priorities (coalition agreement); newest in force."""

    themes = models.ManyToManyField(
        "civic.Theme", related_name="+", blank=True, verbose_name=_("themes")
    )

    class Meta(Version.Meta):
        verbose_name = _("council priority themes")
        verbose_name_plural = _("council priority themes")

    def __str__(self) -> str:
        return str(_("council priorities version %(number)s") % {"number": self.number})


class Score(models.Model):
    """A challenge's priority score for one evidence period, with the weights it was computed with.

    `period` is NULL only while no dated period has figures (no sensor data yet).
    """

    challenge = models.ForeignKey(
        "civic.Challenge",
        on_delete=models.CASCADE,
        related_name="priority_scores",
        verbose_name=_("challenge"),
    )
    period = models.ForeignKey(
        "civic.EvidencePeriod",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("period"),
    )
    # 0-100; NULL when no criterion with a weight has data.
    value = models.FloatField(_("score"), null=True, blank=True)
    equal_value = models.FloatField(_("score under equal weights"), null=True, blank=True)
    criteria_present = models.PositiveSmallIntegerField(_("criteria with data"))
    criteria_total = models.PositiveSmallIntegerField(_("criteria"))
    weights = models.ForeignKey(
        WeightsVersion,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("weights version"),
    )
    # The scores of the period pages show by default (civic.periods.period_default):
    # lists read one value per challenge in one query.
    is_default = models.BooleanField(_("default period"), default=False)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("priority score")
        verbose_name_plural = _("priority scores")
        ordering = ["period", "-value"]
        constraints = [
            models.UniqueConstraint(
                fields=["challenge", "period"],
                name="priority_score_once_per_period",
                nulls_distinct=False,
            )
        ]

    def __str__(self) -> str:
        return f"{self.challenge_id} / {self.period_id}: {self.value}"


class ScoreCriterion(models.Model):
    """One line of a score's breakdown: a criterion's raw value, normalised value and share."""

    score = models.ForeignKey(
        Score, on_delete=models.CASCADE, related_name="criteria", verbose_name=_("score")
    )
    criterion = models.CharField(_("criterion"), max_length=30)
    position = models.PositiveSmallIntegerField(_("position"))
    # The criterion's headline figure (in its own unit); NULL when missing.
    raw = models.FloatField(_("raw value"), null=True, blank=True)
    # 0-1, 1 = worst among the ranked challenges; NULL when missing.
    normalised = models.FloatField(_("normalised value"), null=True, blank=True)
    weight = models.FloatField(_("weight"))
    # Points of the 0-100 score; NULL when missing.
    contribution = models.FloatField(_("contribution"), null=True, blank=True)
    # The period the figures come from (the survey signal: "everything so far");
    # NULL for criteria not tied to a period (residents, vulnerability, alignment).
    period = models.ForeignKey(
        "civic.EvidencePeriod",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("period"),
    )
    missing = models.BooleanField(_("missing"), default=False)
    # Per measure: {"measures": [{"source", "name", "value", "normalised"}], ...}.
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("score criterion")
        verbose_name_plural = _("score criteria")
        ordering = ["score", "position"]
        constraints = [
            models.UniqueConstraint(fields=["score", "criterion"], name="priority_criterion_once")
        ]

    def __str__(self) -> str:
        return self.criterion


class Override(models.Model):
    """An officer's override of a challenge's place in the ranking, or its withdrawal (append-only).

    The newest entry per challenge is in force; a withdrawal (position NULL)
    ends the override. The computed score is never changed.
    """

    challenge = models.ForeignKey(
        "civic.Challenge",
        on_delete=models.CASCADE,
        related_name="priority_overrides",
        verbose_name=_("challenge"),
    )
    # 1 = first. NULL: the override is withdrawn.
    position = models.PositiveIntegerField(_("rank position"), null=True, blank=True)
    reason = models.TextField(_("reason"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("set by"),
    )
    created_at = models.DateTimeField(_("set at"), auto_now_add=True)

    class Meta:
        verbose_name = _("ranking override")
        verbose_name_plural = _("ranking overrides")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(position__isnull=True) | models.Q(position__gte=1),
                name="priority_override_position_from_1",
            )
        ]

    def __str__(self) -> str:
        return f"{self.challenge_id}: {self.position or '-'}"

    @property
    def withdrawn(self) -> bool:
        return self.position is None


class Snapshot(models.Model):
    """The score and breakdown a challenge had when it was moved to *prioritised*."""

    challenge = models.ForeignKey(
        "civic.Challenge",
        on_delete=models.CASCADE,
        related_name="priority_snapshots",
        verbose_name=_("challenge"),
    )
    event = models.OneToOneField(
        "civic.WorkflowEvent",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("workflow event"),
    )
    period = models.ForeignKey(
        "civic.EvidencePeriod",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("period"),
    )
    # NULL: the challenge had no score at all (said so on the page).
    value = models.FloatField(_("score"), null=True, blank=True)
    equal_value = models.FloatField(_("score under equal weights"), null=True, blank=True)
    rank = models.PositiveIntegerField(_("rank"), null=True, blank=True)
    ranked_count = models.PositiveIntegerField(_("challenges ranked"), default=0)
    weights = models.ForeignKey(
        WeightsVersion,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("weights version"),
    )
    criteria_present = models.PositiveSmallIntegerField(_("criteria with data"), default=0)
    # The breakdown rows as they were: [{"criterion", "raw", "normalised", ...}].
    breakdown = models.JSONField(_("breakdown"), default=list, blank=True)
    # The prioritising's moment (its event's; civic.workflow.recorded_at in the demo).
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("score at prioritising")
        verbose_name_plural = _("scores at prioritising")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.challenge_id}: {self.value}"
