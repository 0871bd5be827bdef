"""A resident's concern, placed on the map."""

import uuid

from django.conf import settings
from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _


def concern_photo_path(instance: "Concern", filename: str) -> str:
    # A random name: the original file name may carry personal data.
    return f"concern-photos/{uuid.uuid4().hex}.jpg"


class Concern(models.Model):
    """A mapped worry of a resident; its status changes only through civic.workflow."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("submitted")
        PUBLISHED = "published", _("published")
        REJECTED = "rejected", _("rejected")
        LINKED = "linked", _("linked to a challenge")
        CLOSED = "closed", _("closed")
        # By its author before moderation (e.g. a survey answer changed or consent taken back).
        WITHDRAWN = "withdrawn", _("withdrawn")

    class Source(models.TextChoices):
        WEB = "web", _("web")
        SURVEY = "survey", _("survey")
        IMPORT = "import", _("import")

    class Outcome(models.TextChoices):
        ADDRESSED = "addressed", _("addressed by an intervention")
        IN_CHALLENGE = "in_challenge", _("taken up in a challenge")
        DUPLICATE = "duplicate", _("duplicate")
        NOT_ACTIONABLE = "not_actionable", _("not something the municipality can act on")

    # NULL only for a concern from an anonymous survey answer (an invitation code).
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="concerns",
        verbose_name=_("author"),
    )
    theme = models.ForeignKey("civic.Theme", on_delete=models.PROTECT, verbose_name=_("theme"))
    description = models.TextField(_("description"))
    location = models.PointField(_("location"), srid=4326)
    photo = models.ImageField(_("photo"), upload_to=concern_photo_path, blank=True)
    area = models.ForeignKey(
        "civic.Area",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="concerns",
        verbose_name=_("area"),
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=Status.choices,
        default=Status.SUBMITTED,
        db_index=True,
    )
    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.WEB
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    external_id = models.CharField(
        _("external id"),
        max_length=100,
        unique=True,
        null=True,
        blank=True,
        help_text=_("Identifier in the system it was imported from."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("concern")
        verbose_name_plural = _("concerns")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "theme"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.description[:40]}"

    @property
    def is_public(self) -> bool:
        return self.status in PUBLIC_CONCERN_STATUSES


PUBLIC_CONCERN_STATUSES = (
    Concern.Status.PUBLISHED,
    Concern.Status.LINKED,
    Concern.Status.CLOSED,
)
