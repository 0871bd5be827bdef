"""In-app notifications (and their e-mail) about workflow events."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """A message for one user about one workflow event."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    event = models.ForeignKey(
        "civic.WorkflowEvent",
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("event"),
    )
    message = models.TextField(_("message"))
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [
            # The notification task may run twice (acks_late); this keeps it idempotent.
            models.UniqueConstraint(fields=["recipient", "event"], name="notification_once")
        ]

    def __str__(self) -> str:
        return self.message[:60]
