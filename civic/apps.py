"""App configuration of the civic core."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_roles(sender, **kwargs) -> None:
    from civic.roles import roles_sync

    roles_sync()


class CivicConfig(AppConfig):
    name = "civic"
    verbose_name = _("Participation core")

    def ready(self) -> None:
        from civic import menu, subjects, timeline, workflow  # noqa: F401  (registers tables and menu)

        subjects.connect()
        timeline.connect()

        # After every migrate, so new permissions land in the role groups.
        post_migrate.connect(_sync_roles, dispatch_uid="civic_roles_sync")
