"""App configuration of interventions: workflows, roles, notifications, challenge parts, map."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InterventionsConfig(AppConfig):
    name = "interventions"
    verbose_name = _("Interventions")

    def ready(self) -> None:
        from celery.schedules import crontab

        from civic.celery import jobs_register
        from civic.challenge_parts import (
            Panel,
            panel_register,
            stage_source_register,
            stakeholder_source_register,
            timeline_source_register,
        )
        from civic.map_layers import map_layer_register
        from civic.menu import WORK, MenuItem, menu_register
        from civic.notification_kinds import NotificationKind, kind_register
        from civic.open_data import DataFile, Dataset, dataset_register
        from civic.roles import ADMIN, OFFICER, grant
        from interventions import open_data, selectors
        from interventions import workflow as flows
        from interventions.followup_timeline import followup_timeline
        from interventions.map_layer import LAYER
        from interventions.panel import panel_context
        from interventions.timeline import interventions_timeline

        jobs_register(
            beat={
                # Consultations whose last day has passed go to the council.
                "interventions-close-consultations": {
                    "task": "interventions.close_consultations",
                    "schedule": crontab(minute=5),
                },
                # New sensor data re-runs the evaluations of completed works (a run is
                # kept only when its data changed).
                "interventions-evaluations-sweep": {
                    "task": "interventions.evaluations_sweep",
                    "schedule": crontab(minute=35),
                },
                # Residents are asked whether completed works helped: daily, in the morning.
                "interventions-followups-send": {
                    "task": "interventions.followups_send",
                    "schedule": crontab(hour=9, minute=15),
                },
            },
            routes={
                # The evaluation reads the sensor statistics: with the other evidence work.
                "interventions.evaluate": {"queue": "evidence"},
                "interventions.evaluations_sweep": {"queue": "evidence"},
                "interventions.*": {"queue": "default"},
            },
        )
        kind_register(
            NotificationKind(
                flows.PROPOSALS_KIND,
                _("Proposals and council decisions"),
                _(
                    "When a proposal for a challenge you have a stake in opens for consultation "
                    "or the council decides on it, and when your own proposal moves on."
                ),
                order=30,
            )
        )
        kind_register(
            NotificationKind(
                flows.FOLLOWUP_KIND,
                _("Did the works help?"),
                _(
                    "Once, some weeks after works for a challenge you have a stake in are "
                    "completed: did they help? (In the service and by e-mail.)"
                ),
                order=35,
            )
        )
        kind_register(
            NotificationKind(
                flows.COMMENTS_KIND,
                _("My comments"),
                _("When a comment you wrote is hidden after reports, restored or removed."),
                order=40,
            )
        )
        menu_register(
            MenuItem("interventions", _("Interventions"), "interventions:index", order=60),
            MenuItem(
                "comment_moderation",
                _("Comment moderation"),
                "interventions:moderation",
                frozenset({OFFICER, ADMIN}),
                order=215,
                group=WORK,
            ),
            MenuItem(
                "intervention_progress_file",
                _("Progress of the works (CSV)"),
                "interventions:progress_file",
                frozenset({OFFICER, ADMIN}),
                order=216,
                group=WORK,
            ),
        )
        # Their sites on the public map and the challenge maps, by stage.
        map_layer_register(LAYER)
        stage_source_register("interventions", selectors.stages_for_challenges)
        stakeholder_source_register("interventions", selectors.supporters_of_challenge)
        timeline_source_register("interventions", interventions_timeline)
        dataset_register(
            Dataset(
                key="interventions",
                title=_("Interventions"),
                description=_(
                    "Every public intervention: kind, stage, planned and actual dates, progress, "
                    "site, the latest measured effect per figure with its 95 % interval, and "
                    "residents' answers to the follow-up (counted only from 5 answers)."
                ),
                files=(
                    DataFile("CSV", "interventions_open_data:interventions_csv", "text/csv"),
                    DataFile(
                        "GeoJSON",
                        "interventions_open_data:interventions_geojson",
                        "application/geo+json",
                    ),
                ),
                columns=open_data.intervention_columns(),
                parameters=open_data.PARAMETERS,
                order=10,
            ),
        )
        dataset_register(
            Dataset(
                key="evaluations",
                title=_("Measured effects of interventions"),
                description=_(
                    "Every evaluation run of the public interventions, oldest first: a figure "
                    "can be followed as data accumulates, with its robustness checks."
                ),
                files=(DataFile("CSV", "interventions_open_data:evaluations_csv", "text/csv"),),
                columns=open_data.EVALUATION_COLUMNS,
                parameters=open_data.PARAMETERS,
                order=20,
            )
        )
        # "Residents were asked whether it helped", and the counts once 5 answered: no names.
        timeline_source_register("interventions_followup", followup_timeline)
        panel_register(
            Panel(
                key="interventions",
                template="interventions/_panel.html",
                context=panel_context,
                order=50,
            )
        )
        # Officers read everything in the admin; proposals, moderation and decisions
        # change only through the pages and the API (the workflow's rules). Council
        # members read proposals and decisions on the pages: who supported or reported
        # what stays with officers.
        grant(
            OFFICER,
            [
                "interventions.view_intervention",
                "interventions.view_comment",
                "interventions.view_commentreport",
                "interventions.view_decision",
                "interventions.view_support",
                "interventions.view_milestone",
                "interventions.view_impactevaluation",
                "interventions.view_followup",
            ],
        )
