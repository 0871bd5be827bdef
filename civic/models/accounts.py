"""The user model; roles are Django groups defined in civic.roles."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person with an account: resident, policy officer, council member or administrator."""

    email = models.EmailField(_("e-mail address"), unique=True, null=True, blank=True)
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default="nl",
        help_text=_("Language of notifications and e-mails."),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def has_role(self, role: str) -> bool:
        from civic.roles import user_has_role

        return user_has_role(self, role)
