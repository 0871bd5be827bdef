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
    # The notifier's kind (civic.notification_kinds); "" for a message that cannot be switched off.
    kind = models.CharField(_("kind"), max_length=50, blank=True, default="")
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


class NotificationPreference(models.Model):
    """Whether one user receives one kind of notification; without a row, they do."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preferences",
        verbose_name=_("user"),
    )
    kind = models.CharField(_("kind"), max_length=50)
    enabled = models.BooleanField(_("enabled"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_once")
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {'on' if self.enabled else 'off'}"
