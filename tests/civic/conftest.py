"""API fixtures: a client per role and a small world of concerns and challenges."""

from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.gis.geos import Point
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from civic import services, workflow
from civic.evidence import evidence_mark_stale
from civic.models import Challenge, Concern
from civic.periods import to_date_period
from priority import criteria as priority_criteria
from priority import services as priority_services
from sensors import bulk_registration, ingest
from sensors import services as sensor_services
from sensors.models import ReadingImport
from surveys import answering
from surveys import services as survey_services
from surveys.models import Question, Survey
from surveys.services import OptionSpec, QuestionSpec
from tests.factories import (
    CENTRE,
    ConcernFactory,
    CouncilFactory,
    ResidentFactory,
    UserFactory,
    evidence_row,
    square,
)

ROLES = ("anonymous", "resident", "other_resident", "officer", "council", "admin_user")


def geojson_point(dx: float = 0.0, dy: float = 0.0) -> dict:
    """A GeoJSON point near the centre of the test municipality."""
    return {"type": "Point", "coordinates": [CENTRE[0] + dx, CENTRE[1] + dy]}


def geojson_square(half: float = 0.001) -> dict:
    """A GeoJSON polygon: a small square around the centre of the test municipality."""
    lon, lat = CENTRE
    ring = [
        [lon - half, lat - half],
        [lon + half, lat - half],
        [lon + half, lat + half],
        [lon - half, lat + half],
        [lon - half, lat - half],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


def image_upload(name: str = "photo.png", size: tuple[int, int] = (40, 30)) -> SimpleUploadedFile:
    """A small real PNG image as an upload."""
    out = BytesIO()
    Image.new("RGB", size, "orange").save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


@pytest.fixture
def api_as(request, db):
    """api_as("officer") answers an APIClient signed in as that fixture's user."""

    def make(role: str) -> APIClient:
        client = APIClient()
        if role != "anonymous":
            client.force_authenticate(request.getfixturevalue(role))
        return client

    return make


@dataclass
class World:
    submitted: Concern
    rejected: Concern
    published: Concern
    draft: Challenge
    open: Challenge


@pytest.fixture
def world(resident, other_resident, officer, council, admin_user, heat, neighbourhood):
    """Concerns of `resident` in three states and two challenges, made through the services."""

    def file(text: str) -> Concern:
        return services.concern_create(
            author=resident, theme=heat, description=text, location=Point(*CENTRE, srid=4326)
        )

    submitted = file("Submitted: hot square")
    rejected = file("Rejected: hot square")
    workflow.transition(rejected, Concern.Status.REJECTED, actor=officer, note="Off topic")
    published = file("Published: hot square")
    workflow.transition(published, Concern.Status.PUBLISHED, actor=officer)
    draft = services.challenge_create(
        actor=officer, title="Draft heat challenge", theme=heat, geometry=square(*CENTRE, 0.002)
    )
    open_challenge = services.challenge_create(
        actor=officer, title="Open heat challenge", theme=heat, geometry=square(*CENTRE, 0.003)
    )
    workflow.transition(open_challenge, Challenge.Status.OPEN, actor=officer)
    return World(submitted, rejected, published, draft, open_challenge)


def published_concern(theme, dx: float = 0.0, dy: float = 0.0, area=None, **extra) -> Concern:
    """A concern row near the centre, published unless status= says otherwise."""
    return ConcernFactory(
        theme=theme,
        location=Point(CENTRE[0] + dx, CENTRE[1] + dy, srid=4326),
        area=area,
        status=extra.pop("status", Concern.Status.PUBLISHED),
        **extra,
    )


# ---------------------------------------------------------------- the admin


@pytest.fixture
def superuser(db):
    """A Django superuser: the lookup rule holds for them too."""
    return UserFactory(username="root", is_superuser=True, is_staff=True)


def _survey(officer, area, title: str, heat) -> Survey:
    survey = survey_services.survey_create(actor=officer, title_nl=title, area=area)
    survey_services.questions_replace(
        actor=officer,
        survey=survey,
        questions=[
            QuestionSpec(
                Question.Kind.SINGLE_CHOICE,
                "Waar maakt u zich zorgen over?",
                required=True,
                options=(OptionSpec("Hitte", theme=heat), OptionSpec("Niets")),
            ),
            QuestionSpec(Question.Kind.SHORT_TEXT, "Uw straat"),
            QuestionSpec(Question.Kind.MAP_POINT, "Waar is het te heet?", theme=heat),
        ],
    )
    workflow.transition(survey, Survey.Status.OPEN, actor=officer)
    survey.refresh_from_db()
    return survey


# Exact private points with digits that appear nowhere else, to look for in pages.
SURVEY_POINT = (6.0613717, 52.5291234)
SENSOR_POINT = (6.0587613, 52.5263391)


@dataclass
class AdminRows:
    respondents: list
    answer_text: str


@pytest.fixture
def every_model(
    municipality,
    neighbourhood,
    heat,
    flooding,
    resident,
    officer,
    superuser,
    django_capture_on_commit_callbacks,
):
    """Rows in every registered model, with two values wherever a filter needs a choice.

    Survey answers and the garden sensor lie at SURVEY_POINT and SENSOR_POINT.
    """
    here = Point(CENTRE[0] + 0.001, CENTRE[1] + 0.001, srid=4326)
    respondents = []
    with django_capture_on_commit_callbacks(execute=True):
        concerns = [
            services.concern_create(author=resident, theme=theme, description=text, location=here)
            for theme, text in ((heat, "Hete speelplaats"), (flooding, "Natte kelder"))
        ]
        workflow.transition(concerns[0], Concern.Status.PUBLISHED, actor=officer)
        challenges = [
            services.challenge_create(actor=officer, title=title, theme=heat)
            for title in ("Schaduw op het plein", "Koele school")
        ]
        workflow.transition(challenges[0], Challenge.Status.OPEN, actor=officer)
    services.challenge_link_concerns(challenge=challenges[0], concerns=[concerns[0]], actor=officer)
    # A link undone, with its reason: the record of link changes holds both kinds.
    services.challenge_link_concerns(challenge=challenges[1], concerns=[concerns[0]], actor=officer)
    services.challenge_unlink_concern(
        challenge=challenges[1], concern=concerns[0], actor=officer, reason="Hoort bij het plein"
    )
    evidence_row(challenge=challenges[0], source="sensors", name="tropical_nights", value=3)
    evidence_row(
        challenge=challenges[1],
        source="surveys",
        name="theme_named_share",
        value=0.4,
        period=to_date_period(),
    )
    evidence_mark_stale(source="sensors")  # a marker about every subject, besides the challenges'

    for area, title in ((municipality, "Hitte in Zwolle"), (neighbourhood, "Hitte in Werkeren")):
        survey = _survey(officer, area, title, heat)
        choice, street, spot = survey.questions.order_by("position")
        respondents.append(ResidentFactory())
        answering.response_submit(
            survey=survey,
            respondent=respondents[-1],
            answers={
                choice.pk: choice.options.first().pk,
                street.pk: "Dobbestraat 12",
                spot.pk: {"point": Point(*SURVEY_POINT, srid=4326)},
            },
            area=neighbourhood,
            consent_publish=True,
        )
        survey_services.invitations_generate(
            actor=officer, survey=survey, count=2, area=neighbourhood, batch=title
        )

    sensor, _token = sensor_services.sensor_register(
        actor=resident,
        external_id="garden-001",
        hardware="native",
        quantities=["air_temperature"],
        location=Point(*SENSOR_POINT, srid=4326),
    )
    ingest.readings_ingest(
        sensor=sensor,
        records=[
            {"quantity": "air_temperature", "observed_at": "2026-07-01T12:00:00Z", "value": 26.0}
        ],
    )
    ReadingImport.objects.create(
        uploaded_by=officer, original_name="juli.csv", size=120, queued_at=timezone.now()
    )
    # A lamp post registered from a file: no owner, nothing private beyond its place.
    bulk_registration.sensors_register_file(
        actor=officer,
        content=(
            "device_id,kind,quantities,latitude,longitude\n"
            f"lamp-001,lamp_post,air_temperature,{CENTRE[1] - 0.002},{CENTRE[0] - 0.002}\n"
        ).encode(),
        file_name="lantaarnpalen.csv",
    )
    _interventions(challenges[0], resident, officer)
    Token.objects.create(user=resident)
    EmailAddress.objects.create(user=resident, email=resident.email, primary=True, verified=True)
    # django-axes' rows, as its handler writes them: two paths for the path filter.
    for n, path in enumerate(("/accounts/login/", "/admin/login/")):
        attempt = {"username": "resident-a", "ip_address": f"192.0.2.{n}", "user_agent": "probe"}
        attempt.update(path_info=path, attempt_time=timezone.now())
        AccessAttempt.objects.create(**attempt, failures_since_start=1)
        AccessFailureLog.objects.create(**attempt, locked_out=False)
        AccessLog.objects.create(**attempt)
    # Priority: a weights version, the council's themes, scores, an override, a snapshot.
    priority_services.weights_version_create(
        actor=officer, weights=dict.fromkeys(priority_criteria.KEYS, 1), note="v1"
    )
    priority_services.council_themes_set(actor=superuser, themes=[heat], note="Coalitie")
    priority_services.scores_recompute()
    priority_services.override_set(
        actor=officer, challenge=challenges[0], position=1, reason="Raadsmotie"
    )
    workflow.transition(challenges[0], Challenge.Status.PRIORITISED, actor=officer)
    return AdminRows(respondents=respondents, answer_text="Dobbestraat 12")


def _interventions(challenge, resident, officer) -> None:
    """Proposals in two states and kinds, comments visible and hidden, a report, a decision."""
    from datetime import timedelta

    from interventions import services as intervention_services

    council = CouncilFactory()
    consulted, decided = (
        intervention_services.intervention_create(
            actor=officer, challenge=challenge, kind=kind, title=title, description="Plan"
        )
        for kind, title in (("depaving", "Tegels eruit"), ("trees", "Bomen erin"))
    )
    for proposal in (consulted, decided):
        workflow.transition(
            proposal,
            "in_consultation",
            actor=officer,
            changes={"consultation_end": timezone.localdate() + timedelta(days=9)},
        )
    intervention_services.support_add(intervention=consulted, actor=resident)
    comment = intervention_services.comment_create(
        intervention=consulted, actor=resident, text="Goed plan"
    )
    intervention_services.comment_create(
        intervention=consulted, actor=officer, text="Dank je", reply_to=comment
    )
    for reason in ("spam", "offensive", "off_topic"):
        intervention_services.comment_report(
            comment=comment, actor=ResidentFactory(), reason=reason
        )
    workflow.transition(decided, "awaiting_decision", actor=officer)
    intervention_services.decision_record(
        intervention=decided,
        actor=council,
        outcome="agreed",
        decided_on=timezone.localdate(),
        motivation="Goed onderbouwd",
        meeting_reference="Raad 1",
        votes_for=3,
        votes_against=1,
        votes_abstaining=0,
    )
    intervention_services.milestone_add(
        intervention=decided, actor=officer, date=timezone.localdate(), title="Eerste tegels eruit"
    )
    # An evaluation run as the job writes it (the admin lists and opens it read-only).
    from interventions.models import ImpactEvaluation

    ImpactEvaluation.objects.create(
        intervention=decided,
        figure="night_anomaly",
        verdict="not_enough_data",
        method="test",
        counts={"impact_sensors": 0, "control_sensors": 0, "nights_before": 0, "nights_after": 0},
        missing=[{"what": "impact_sensors", "have": 0, "need": 2}],
        before_first=timezone.localdate(),
        before_last=timezone.localdate(),
        after_first=timezone.localdate(),
        after_last=timezone.localdate(),
    )
    # A follow-up asked and one answered, as the job and the answer page write them.
    from interventions.models import FollowUp

    for n, (status, answer) in enumerate((("asked", ""), ("answered", "yes"))):
        FollowUp.objects.create(
            intervention=decided,
            user=ResidentFactory(),
            token_digest=f"{n:064x}",
            status=status,
            answer=answer,
            comment="Koeler" if answer else "",
            sent_at=timezone.now(),
            answered_at=timezone.now() if answer else None,
        )


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []
