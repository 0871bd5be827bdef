"""Surveys, their questions and options, invitation codes, responses and answers.

A survey's questions are frozen once it has a response (officers copy a
survey to change it: surveys.services.survey_copy). A response belongs to a
signed-in resident or to one single-use invitation code, never both, and
there is at most one per resident or code (database constraints, so two
submissions at the same moment still leave one). Anonymous responses keep
no IP address: only a keyed hash, to spot floods of answers.
"""

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _


def _in_language(nl: str, en: str) -> str:
    """The English text on English pages when there is one; Dutch otherwise."""
    if (translation.get_language() or "nl").startswith("en") and en:
        return en
    return nl or en


class Survey(models.Model):
    """A questionnaire about an area, open between two moments; status only via surveys.workflow."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")
        ARCHIVED = "archived", _("archived")

    title_nl = models.CharField(_("title (Dutch)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    intro_nl = models.TextField(_("introduction (Dutch)"), blank=True)
    intro_en = models.TextField(_("introduction (English)"), blank=True)
    area = models.ForeignKey(
        "civic.Area",
        on_delete=models.PROTECT,
        related_name="surveys",
        verbose_name=_("area"),
        help_text=_("Map answers must lie inside it."),
    )
    opens_at = models.DateTimeField(_("opens at"), null=True, blank=True)
    closes_at = models.DateTimeField(_("closes at"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    copied_from = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="copies",
        verbose_name=_("copied from"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(opens_at__isnull=True)
                | models.Q(closes_at__isnull=True)
                | models.Q(closes_at__gt=models.F("opens_at")),
                name="survey_closes_after_it_opens",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return _in_language(self.title_nl, self.title_en)

    @property
    def intro(self) -> str:
        return _in_language(self.intro_nl, self.intro_en)

    def is_accepting(self, now=None) -> bool:
        """Open, and inside its dates (either may be unset)."""
        now = now or timezone.now()
        return (
            self.status == self.Status.OPEN
            and (self.opens_at is None or self.opens_at <= now)
            and (self.closes_at is None or now < self.closes_at)
        )


class Question(models.Model):
    """One question, in order; its kind decides which answer field is used."""

    class Kind(models.TextChoices):
        SHORT_TEXT = "short_text", _("short text")
        LONG_TEXT = "long_text", _("long text")
        SINGLE_CHOICE = "single_choice", _("single choice")
        MULTIPLE_CHOICE = "multiple_choice", _("multiple choice")
        LIKERT = "likert", _("agree or disagree (1-5)")
        NUMBER = "number", _("number")
        MAP_POINT = "map_point", _("point on the map")
        MAP_AREA = "map_area", _("area on the map")
        RANKING = "ranking", _("ranking")

    CHOICE_KINDS = frozenset({Kind.SINGLE_CHOICE, Kind.MULTIPLE_CHOICE, Kind.RANKING})

    survey = models.ForeignKey(
        Survey, on_delete=models.CASCADE, related_name="questions", verbose_name=_("survey")
    )
    position = models.PositiveSmallIntegerField(_("position"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    text_nl = models.CharField(_("question (Dutch)"), max_length=500)
    text_en = models.CharField(_("question (English)"), max_length=500, blank=True)
    help_nl = models.TextField(_("help text (Dutch)"), blank=True)
    help_en = models.TextField(_("help text (English)"), blank=True)
    required = models.BooleanField(_("required"), default=False)
    min_value = models.FloatField(_("lowest number"), null=True, blank=True)
    max_value = models.FloatField(_("highest number"), null=True, blank=True)
    theme = models.ForeignKey(
        "civic.Theme",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("theme"),
        help_text=_("Map points: the theme of the concern an answer becomes."),
    )

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["survey", "position"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "position"], name="question_position_once"),
            models.CheckConstraint(
                condition=models.Q(min_value__isnull=True)
                | models.Q(max_value__isnull=True)
                | models.Q(max_value__gte=models.F("min_value")),
                name="question_bounds_in_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.text}"

    @property
    def text(self) -> str:
        return _in_language(self.text_nl, self.text_en)

    @property
    def help(self) -> str:
        return _in_language(self.help_nl, self.help_en)


class Option(models.Model):
    """A choice of a choice or ranking question; naming a theme counts for the survey signal."""

    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="options", verbose_name=_("question")
    )
    position = models.PositiveSmallIntegerField(_("position"))
    label_nl = models.CharField(_("label (Dutch)"), max_length=200)
    label_en = models.CharField(_("label (English)"), max_length=200, blank=True)
    theme = models.ForeignKey(
        "civic.Theme",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("theme"),
        help_text=_("Choosing this option names the theme (for the survey signal)."),
    )

    class Meta:
        verbose_name = _("option")
        verbose_name_plural = _("options")
        ordering = ["question", "position"]
        constraints = [
            models.UniqueConstraint(fields=["question", "position"], name="option_position_once")
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return _in_language(self.label_nl, self.label_en)


class Invitation(models.Model):
    """A single-use code for answering without an account, printed in a letter.

    Kept readable (not hashed) so officers can export unused codes for a
    second mailing; only officers see them.
    """

    survey = models.ForeignKey(
        Survey, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("survey")
    )
    area = models.ForeignKey(
        "civic.Area",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("neighbourhood"),
    )
    code = models.CharField(_("code"), max_length=20, unique=True)
    batch = models.CharField(_("batch"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation code")
        verbose_name_plural = _("invitation codes")
        ordering = ["survey", "batch", "id"]

    def __str__(self) -> str:
        return self.code


class Response(models.Model):
    """One respondent's answers to one survey; changeable until the survey closes."""

    survey = models.ForeignKey(
        Survey, on_delete=models.CASCADE, related_name="responses", verbose_name=_("survey")
    )
    respondent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="survey_responses",
        verbose_name=_("respondent"),
    )
    invitation = models.OneToOneField(
        Invitation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="response",
        verbose_name=_("invitation code"),
    )
    area = models.ForeignKey(
        "civic.Area",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("neighbourhood"),
        help_text=_("Where the respondent lives: from the code, their own choice or a map answer."),
    )
    consent_publish = models.BooleanField(
        _("map answers may be published as concerns"), default=False
    )
    # HMAC-SHA256 of the client address with the secret key: no IP in clear.
    client_hash = models.CharField(_("client hash"), max_length=64, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        ordering = ["survey", "submitted_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "respondent"],
                condition=models.Q(respondent__isnull=False),
                name="response_once_per_resident",
            ),
            # A deleted account leaves its response anonymous (respondent NULL),
            # so only new responses must name who answers; the service checks that.
        ]

    def __str__(self) -> str:
        return f"{self.survey} #{self.pk}"


class Answer(models.Model):
    """The answer to one question; which field holds it depends on the question's kind."""

    response = models.ForeignKey(
        Response, on_delete=models.CASCADE, related_name="answers", verbose_name=_("response")
    )
    question = models.ForeignKey(
        Question, on_delete=models.PROTECT, related_name="answers", verbose_name=_("question")
    )
    text = models.TextField(_("text"), blank=True)
    number = models.FloatField(_("number"), null=True, blank=True)
    # Chosen option ids; for a ranking, in the order given (first = most important).
    options = ArrayField(models.BigIntegerField(), default=list, blank=True)
    point = models.PointField(_("point"), srid=4326, null=True, blank=True)
    polygon = models.PolygonField(_("area"), srid=4326, null=True, blank=True)
    concern = models.OneToOneField(
        "civic.Concern",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="survey_answer",
        verbose_name=_("concern"),
    )

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        ordering = ["response", "question__position"]
        constraints = [models.UniqueConstraint(fields=["response", "question"], name="answer_once")]

    def __str__(self) -> str:
        return f"{self.response_id}/{self.question_id}"
