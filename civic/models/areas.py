"""Areas (municipality, district, neighbourhood) and themes of concern."""

from django.contrib.gis.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Area(models.Model):
    """An administrative area with its official (CBS) code and statistics."""

    class Kind(models.TextChoices):
        MUNICIPALITY = "municipality", _("municipality")
        DISTRICT = "district", _("district")
        NEIGHBOURHOOD = "neighbourhood", _("neighbourhood")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    code = models.CharField(_("official code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("parent area"),
    )
    geometry = models.MultiPolygonField(_("geometry"), srid=4326)
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    attributes = models.JSONField(
        _("attributes"),
        default=dict,
        blank=True,
        help_text=_("Statistics such as share_over_65 (0-1) or share_paved (0-1)."),
    )

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"


class Theme(models.Model):
    """A theme of concern (heat, flooding, ...), editable in the admin, in Dutch and English."""

    slug = models.SlugField(_("slug"), unique=True)
    name_nl = models.CharField(_("name (Dutch)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    description_nl = models.TextField(_("description (Dutch)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    colour = models.CharField(_("map colour"), max_length=7, default="#555555")
    is_active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("theme")
        verbose_name_plural = _("themes")
        ordering = ["order", "slug"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "nl").startswith("en") else self.name_nl
