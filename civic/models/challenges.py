"""Challenges (opgaven): problems officers build from grouped concerns."""

from django.conf import settings
from django.contrib.gis.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Challenge(models.Model):
    """A challenge; its status changes only through civic.workflow."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        OPEN = "open", _("open")
        PRIORITISED = "prioritised", _("prioritised")
        CLOSED = "closed", _("closed")

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    theme = models.ForeignKey("civic.Theme", on_delete=models.PROTECT, verbose_name=_("theme"))
    geometry = models.MultiPolygonField(_("geometry"), srid=4326, null=True, blank=True)
    area = models.ForeignKey(
        "civic.Area",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="challenges",
        verbose_name=_("area"),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_challenges",
        verbose_name=_("owner"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    concerns = models.ManyToManyField(
        "civic.Concern",
        through="civic.ChallengeConcern",
        related_name="challenges",
        verbose_name=_("concerns"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("challenge")
        verbose_name_plural = _("challenges")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class ChallengeConcern(models.Model):
    """The link of a concern to a challenge: who made it and when (the concern itself is kept)."""

    challenge = models.ForeignKey("civic.Challenge", on_delete=models.CASCADE)
    concern = models.ForeignKey("civic.Concern", on_delete=models.CASCADE)
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("linked by"),
    )
    linked_at = models.DateTimeField(_("linked at"), auto_now_add=True)

    class Meta:
        verbose_name = _("linked concern")
        verbose_name_plural = _("linked concerns")
        constraints = [
            models.UniqueConstraint(fields=["challenge", "concern"], name="challenge_concern_once")
        ]


class ChallengeConcernChange(models.Model):
    """The append-only record of every link and unlink: who, when, and (to unlink) why."""

    class Action(models.TextChoices):
        LINK = "link", _("linked")
        UNLINK = "unlink", _("unlinked")

    challenge = models.ForeignKey(
        "civic.Challenge",
        on_delete=models.CASCADE,
        related_name="concern_changes",
        verbose_name=_("challenge"),
    )
    concern = models.ForeignKey(
        "civic.Concern",
        on_delete=models.CASCADE,
        related_name="challenge_changes",
        verbose_name=_("concern"),
    )
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("by"),
    )
    reason = models.TextField(_("reason"), blank=True)
    # Now, or a past moment under civic.workflow.recorded_at (demo, imports).
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("link change")
        verbose_name_plural = _("link changes")
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(action="unlink") | ~models.Q(reason=""),
                name="unlink_has_reason",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} #{self.concern_id} ↔ {self.challenge_id}"

    def save(self, *args, **kwargs) -> None:
        # Append-only: an audit trail that can be edited is not one.
        if self.pk is not None:
            raise ValueError("Link changes are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Link changes are append-only.")
