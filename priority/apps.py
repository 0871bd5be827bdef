"""App configuration of priority: its receivers, jobs, roles and challenge parts."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PriorityConfig(AppConfig):
    name = "priority"
    verbose_name = _("Priority")

    def ready(self) -> None:
        from civic.celery import jobs_register
        from civic.challenge_parts import (
            Fact,
            Panel,
            fact_register,
            panel_register,
            timeline_source_register,
        )
        from civic.menu import WORK, MenuItem, landing_register, menu_register
        from civic.roles import ADMIN, COUNCIL, OFFICER, grant
        from priority import panels, receivers
        from priority.timeline import priority_timeline

        receivers.connect()
        jobs_register(
            # A recompute whose message was lost (Redis down) is caught up here;
            # the run is cheap (a few queries per period) and replaces scores as a whole.
            beat={
                "priority-recompute-sweep": {
                    "task": "priority.recompute_scores",
                    "schedule": 900.0,
                }
            },
            routes={"priority.*": {"queue": "evidence"}},
        )
        panel_register(
            Panel(key="priority", template="priority/_panel.html", context=panels.panel_context)
        )
        fact_register(Fact(key="score", label=_("priority score"), values=panels.score_values))
        timeline_source_register("priority", priority_timeline)
        # Council members land on the ranking: which challenge is most urgent, and why.
        landing_register(COUNCIL, "priority:ranking", order=10)
        menu_register(
            MenuItem(
                "ranking",
                _("Ranking"),
                "priority:ranking",
                frozenset({OFFICER, COUNCIL, ADMIN}),
                order=50,
            ),
            MenuItem(
                "weights",
                _("Priority weights"),
                "priority:weights",
                frozenset({OFFICER, ADMIN}),
                order=230,
                group=WORK,
            ),
        )
        # Officers look at the audit trail in the admin too (who set what, by name);
        # council members read weights, overrides and scores on the pages and the API,
        # where a change shows its author's role, not their name.
        grant(
            OFFICER,
            [
                "priority.view_weightsversion",
                "priority.view_councilthemesversion",
                "priority.view_score",
                "priority.view_override",
                "priority.view_snapshot",
            ],
        )
