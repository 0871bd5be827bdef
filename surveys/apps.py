"""App configuration of surveys."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = _("Resident surveys")

    def ready(self) -> None:
        from civic.celery import jobs_register
        from civic.challenge_parts import stakeholder_source_register
        from civic.menu import WORK, MenuItem, menu_register
        from civic.roles import ADMIN, COUNCIL, OFFICER, grant
        from civic.vocabulary import Source, register_source
        from surveys import receivers, workflow  # noqa: F401  (registers the transition table)
        from surveys.selectors import respondents_of_challenge
        from surveys.signal import SOURCE
        from surveys.vocabulary import MEASURES

        register_source(
            Source(
                name=SOURCE,
                label=_("resident surveys"),
                queue=receivers.signal_queue_recompute,
                dated=False,
            ),
            *MEASURES,
        )
        receivers.connect()
        menu_register(
            MenuItem("surveys", _("Surveys"), "surveys:index", order=20),
            MenuItem(
                "surveys_manage",
                _("Manage surveys"),
                "surveys:manage",
                frozenset({OFFICER, ADMIN}),
                order=210,
                group=WORK,
            ),
        )
        # Respondents whose consented map point became a concern of a challenge hear of it.
        stakeholder_source_register("survey_respondents", respondents_of_challenge)
        jobs_register(
            # Recompute the survey signal even if a queued run was lost (Redis down).
            beat={"surveys-signal-sweep": {"task": "surveys.recompute_signal", "schedule": 600.0}},
            # The survey signal is evidence work too.
            routes={"surveys.*": {"queue": "evidence"}},
        )
        # Council members read the surveys themselves; the answers reach them as the
        # results page's figures, never as rows in the admin: responses, answers
        # (free text, exact map points, who answered) and invitation codes (who got a
        # letter) are personal data, like accounts, notifications and sensors.
        grant(COUNCIL, ["surveys.view_survey", "surveys.view_question", "surveys.view_option"])
        # Officers build surveys and hand out codes; answers are read-only.
        grant(
            OFFICER,
            [
                "surveys.view_survey",
                "surveys.add_survey",
                "surveys.change_survey",
                "surveys.view_question",
                "surveys.add_question",
                "surveys.change_question",
                "surveys.view_option",
                "surveys.add_option",
                "surveys.change_option",
                "surveys.view_invitation",
                "surveys.add_invitation",
                "surveys.view_response",
                "surveys.view_answer",
            ],
        )
