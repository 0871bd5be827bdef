"""The append-only audit trail of every workflow transition."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class WorkflowEvent(models.Model):
    """One transition of one object: who moved it from which state to which, and why."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("actor"),
    )
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("content_type", "object_id")
    from_state = models.CharField(_("from"), max_length=30)
    to_state = models.CharField(_("to"), max_length=30)
    note = models.TextField(_("note"), blank=True)
    # When it was recorded: now, or a past moment for a demo or an import of a past decision
    # (civic.workflow.recorded_at); never changed afterwards (the table is append-only).
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("workflow event")
        verbose_name_plural = _("workflow events")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["content_type", "object_id", "at"])]

    def __str__(self) -> str:
        return f"{self.content_type.model} #{self.object_id}: {self.from_state} → {self.to_state}"

    def save(self, *args, **kwargs) -> None:
        # Append-only: an audit trail that can be edited is not one.
        if self.pk is not None:
            raise ValueError("Workflow events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Workflow events are append-only.")
