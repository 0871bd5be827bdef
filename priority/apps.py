"""App configuration of priority."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PriorityConfig(AppConfig):
    name = "priority"
    verbose_name = _("Priority")
