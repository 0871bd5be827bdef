"""Models of interventions: proposals per challenge, consultation, decisions, implementation."""

import uuid

from django.conf import settings
from django.contrib.gis.db import models
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _


class Intervention(models.Model):
    """A proposed measure for a challenge; its status changes only through civic.workflow."""

    class Kind(models.TextChoices):
        DEPAVING = "depaving", _("depaving")
        TREES = "trees", _("trees")
        FACADE_GARDEN = "facade_garden", _("facade garden")
        GREEN_ROOF = "green_roof", _("green roof")
        WATER_STORAGE = "water_storage", _("water storage / wadi")
        SHADE = "shade", _("shade")
        OTHER = "other", _("other")

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("proposed")
        UNDER_REVIEW = "under_review", _("under review")
        IN_CONSULTATION = "in_consultation", _("in consultation")
        AWAITING_DECISION = "awaiting_decision", _("awaiting decision")
        AGREED = "agreed", _("agreed")
        DECLINED = "declined", _("declined")
        DEFERRED = "deferred", _("deferred")
        # An officer does not take a resident's proposal up (with a note); not a council decision.
        NOT_TAKEN_UP = "not_taken_up", _("not taken up")
        WITHDRAWN = "withdrawn", _("withdrawn")
        # Implementation of an agreed intervention (officers' steps).
        IN_PROGRESS = "in_progress", _("in progress")
        COMPLETED = "completed", _("completed")
        CANCELLED = "cancelled", _("cancelled")

    class ProposerRole(models.TextChoices):
        OFFICER = "officer", _("the municipality")
        RESIDENT = "resident", _("a resident")

    challenge = models.ForeignKey(
        "civic.Challenge",
        on_delete=models.PROTECT,
        related_name="interventions",
        verbose_name=_("challenge"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=20000)
    site = models.GeometryField(_("site"), srid=4326, null=True, blank=True)
    cost_estimate = models.DecimalField(
        _("cost estimate (EUR)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    expected_effect = models.TextField(_("expected effect"), blank=True, max_length=5000)
    proposer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="proposed_interventions",
        verbose_name=_("proposer"),
    )
    # Shown publicly instead of a name: who proposed it, by role.
    proposer_role = models.CharField(_("proposed by"), max_length=10, choices=ProposerRole.choices)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=Status.choices,
        default=Status.PROPOSED,
        db_index=True,
    )
    consultation_end = models.DateField(
        _("consultation end date"),
        null=True,
        blank=True,
        help_text=_("The last day residents can support and comment."),
    )
    planned_start = models.DateField(_("planned start"), null=True, blank=True)
    planned_end = models.DateField(_("planned end"), null=True, blank=True)
    # Set by the workflow: the day the works started and the day they were completed.
    actual_start = models.DateField(_("actual start"), null=True, blank=True)
    actual_end = models.DateField(_("actual end"), null=True, blank=True)
    progress = models.PositiveSmallIntegerField(
        _("progress (%)"), default=0, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("intervention")
        verbose_name_plural = _("interventions")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(cost_estimate__gte=0) | models.Q(cost_estimate__isnull=True),
                name="intervention_cost_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="intervention_progress_at_most_100"
            ),
            models.CheckConstraint(
                condition=models.Q(actual_end__isnull=True)
                | models.Q(actual_start__isnull=True)
                | models.Q(actual_end__gte=models.F("actual_start")),
                name="intervention_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Support(models.Model):
    """One resident's support for a proposal in consultation (one each; it can be taken back)."""

    intervention = models.ForeignKey(
        Intervention, on_delete=models.CASCADE, related_name="supports"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="supports"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("support")
        verbose_name_plural = _("supports")
        constraints = [
            models.UniqueConstraint(fields=["intervention", "user"], name="support_once")
        ]

    def __str__(self) -> str:
        return f"#{self.intervention_id}"


class Comment(models.Model):
    """A comment in a consultation; an officer's is an official answer; moderated by workflow."""

    class Status(models.TextChoices):
        VISIBLE = "visible", _("visible")
        HIDDEN = "hidden", _("hidden pending moderation")
        REMOVED = "removed", _("removed")

    intervention = models.ForeignKey(
        Intervention,
        on_delete=models.CASCADE,
        related_name="comments",
        verbose_name=_("intervention"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="intervention_comments",
        verbose_name=_("author"),
    )
    text = models.TextField(_("text"), max_length=5000)
    is_official = models.BooleanField(_("official answer"), default=False)
    reply_to = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="replies",
        verbose_name=_("answers"),
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=Status.choices,
        default=Status.VISIBLE,
        db_index=True,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.text[:60]


class CommentReport(models.Model):
    """A resident's report of a comment (one per resident per comment)."""

    class Reason(models.TextChoices):
        SPAM = "spam", _("spam")
        OFFENSIVE = "offensive", _("offensive")
        OFF_TOPIC = "off_topic", _("off-topic")

    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, related_name="reports", verbose_name=_("comment")
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="comment_reports",
        verbose_name=_("reporter"),
    )
    reason = models.CharField(_("reason"), max_length=10, choices=Reason.choices)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("comment report")
        verbose_name_plural = _("comment reports")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["comment", "reporter"], name="comment_report_once")
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} #{self.comment_id}"


class Decision(models.Model):
    """The council's decision on an intervention: append-only, applied through the workflow."""

    class Outcome(models.TextChoices):
        AGREED = "agreed", _("agreed")
        DECLINED = "declined", _("declined")
        DEFERRED = "deferred", _("deferred")

    intervention = models.ForeignKey(
        Intervention,
        on_delete=models.PROTECT,
        related_name="decisions",
        verbose_name=_("intervention"),
    )
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    decided_on = models.DateField(_("date of the decision"))
    motivation = models.TextField(_("motivation"), max_length=20000)
    meeting_reference = models.CharField(_("meeting reference"), max_length=200)
    votes_for = models.PositiveIntegerField(_("votes for"))
    votes_against = models.PositiveIntegerField(_("votes against"))
    votes_abstaining = models.PositiveIntegerField(_("abstentions"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    # The workflow move the decision made (set in the same transaction).
    event = models.OneToOneField(
        "civic.WorkflowEvent",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("workflow event"),
    )

    class Meta:
        verbose_name = _("council decision")
        verbose_name_plural = _("council decisions")
        ordering = ["-recorded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()}: {self.intervention}"

    def save(self, *args, **kwargs) -> None:
        # Append-only: a decision on the record is never edited.
        if self.pk is not None:
            raise ValueError("Council decisions are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Council decisions are append-only.")


def milestone_photo_path(instance: "Milestone", filename: str) -> str:
    # A random name: the address tells nothing and is served only through the photo view.
    return f"milestone-photos/{uuid.uuid4().hex}.jpg"


class Milestone(models.Model):
    """A dated step in carrying out an intervention, written by an officer; public with it."""

    intervention = models.ForeignKey(
        Intervention,
        on_delete=models.CASCADE,
        related_name="milestones",
        verbose_name=_("intervention"),
    )
    date = models.DateField(_("date"))
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True, max_length=5000)
    photo = models.ImageField(_("photo"), upload_to=milestone_photo_path, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["date", "id"]

    def __str__(self) -> str:
        return self.title


class ImpactEvaluation(models.Model):
    """One run of the before/after evaluation of a completed intervention; every run is kept.

    Written only by interventions.evaluation (the Celery job and its sweep): a
    figure can be followed as data accumulates, and a run is added only when
    its data changed since the last one.
    """

    class Verdict(models.TextChoices):
        COOLER = "cooler", _("cooler")
        WARMER = "warmer", _("warmer")
        # Soil moisture and wet-feet hours: "cooler" would be nonsense, the sentence says
        # drier or less standing water.
        LOWER = "lower", _("lower")
        HIGHER = "higher", _("higher")
        NO_CLEAR_EFFECT = "no_clear_effect", _("no clear effect")
        NOT_ENOUGH_DATA = "not_enough_data", _("not enough data yet")

    intervention = models.ForeignKey(
        Intervention,
        on_delete=models.CASCADE,
        related_name="evaluations",
        verbose_name=_("intervention"),
    )
    figure = models.CharField(_("figure"), max_length=40)
    verdict = models.CharField(_("verdict"), max_length=20, choices=Verdict.choices)
    method = models.CharField(_("method"), max_length=200)
    effect = models.FloatField(_("effect"), null=True)
    low = models.FloatField(_("lower bound"), null=True)
    high = models.FloatField(_("upper bound"), null=True)
    # {impact_sensors, control_sensors, nights_before, nights_after}
    counts = models.JSONField(_("counts"), default=dict)
    # {night, effect, low, high} of the placebo date; leave-one-control-out range.
    placebo = models.JSONField(_("placebo"), null=True)
    loo_min = models.FloatField(_("leave-one-out minimum"), null=True)
    loo_max = models.FloatField(_("leave-one-out maximum"), null=True)
    # [{what, have, need}] while there is not enough data yet.
    missing = models.JSONField(_("what is missing"), default=list)
    before_first = models.DateField(_("before window from"))
    before_last = models.DateField(_("before window until"))
    after_first = models.DateField(_("after window from"))
    after_last = models.DateField(_("after window until"))
    # How the controls were chosen on their before-window behaviour: {rule, candidates,
    # chosen, all, matched, controls: [{rank, chosen, nights, sd_difference, correlation,
    # mean_difference}]}; no sensor keys.
    match = models.JSONField(_("control match"), default=dict)
    # The before/after chart: [{side, first, last, nights, impact, control}] week by week.
    chart = models.JSONField(_("weekly means"), default=list)
    computed_at = models.DateTimeField(_("computed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("impact evaluation")
        verbose_name_plural = _("impact evaluations")
        ordering = ["intervention", "-computed_at", "-id"]
        indexes = [models.Index(fields=["intervention", "-computed_at"])]

    def __str__(self) -> str:
        return f"{self.intervention_id}: {self.verdict} ({self.computed_at:%Y-%m-%d})"


class FollowUp(models.Model):
    """One stakeholder's follow-up question about completed works: did it help? Asked once.

    Sent by the daily job (interventions.services.followups_send) some weeks after
    completion; unique per (intervention, user), so a second or concurrent run asks
    nobody twice. Only a digest of the e-mail link's token is kept: the token itself
    exists only in the e-mail. The answer is never shown with a name: pages and API
    give counts (interventions.selectors.followup_results_for), comments reach officers.
    """

    class Status(models.TextChoices):
        ASKED = "asked", _("asked")
        ANSWERED = "answered", _("answered")

    class Answer(models.TextChoices):
        YES = "yes", _("yes")
        NO = "no", _("no")
        NOT_SURE = "not_sure", _("not sure")

    intervention = models.ForeignKey(
        Intervention,
        on_delete=models.CASCADE,
        related_name="followups",
        verbose_name=_("intervention"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="intervention_followups",
        verbose_name=_("resident"),
    )
    # sha256 of the link's token (hex): a leaked database holds no usable link.
    token_digest = models.CharField(_("token digest"), max_length=64, unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ASKED, db_index=True
    )
    sent_at = models.DateTimeField(_("asked at"), db_index=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answer = models.CharField(_("answer"), max_length=10, choices=Answer.choices, blank=True)
    comment = models.TextField(_("comment"), blank=True, max_length=2000)

    class Meta:
        verbose_name = _("residents' follow-up")
        verbose_name_plural = _("residents' follow-ups")
        ordering = ["-sent_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["intervention", "user"], name="followup_once"),
            # An answer exactly when answered (the workflow move sets both).
            models.CheckConstraint(
                condition=models.Q(status="asked", answer="")
                | models.Q(status="answered") & ~models.Q(answer=""),
                name="followup_answered_has_answer",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.intervention_id}: {self.get_status_display()}"
