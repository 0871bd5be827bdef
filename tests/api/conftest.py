"""A small, realistic world for probing the whole API: every kind of object, in several states."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.contrib.gis.geos import Point
from django.db import transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from civic import services, workflow
from civic.models import Area, Challenge, Concern
from interventions import services as intervention_services
from sensors import bulk_registration
from sensors import services as sensor_services
from sensors.models import Sensor
from surveys import answering
from surveys import services as survey_services
from surveys.models import Question, Survey
from surveys.services import OptionSpec, QuestionSpec
from tests.civic.conftest import image_upload
from tests.factories import (
    CENTRE,
    PASSWORD,
    AreaFactory,
    CouncilFactory,
    OfficerFactory,
    ResidentFactory,
    ThemeFactory,
    evidence_row,
    square,
)

K = Question.Kind


def near(dx: float = 0.0, dy: float = 0.0) -> Point:
    return Point(CENTRE[0] + dx, CENTRE[1] + dy, srid=4326)


@dataclass
class ApiWorld:
    """Tokens per role, ids of real objects per collection, and values that mean something.

    `ids` maps a collection of the API (the path's first segment, "concerns")
    to the ids of real objects in it; `values` maps a body field or query
    parameter name ("theme", "location", "code") to values the API accepts.
    """

    tokens: dict[str, str]
    ids: dict[str, list] = field(default_factory=dict)
    values: dict[str, list] = field(default_factory=dict)


def geojson(point: Point) -> dict:
    return {"type": "Point", "coordinates": [point.x, point.y]}


QUESTIONS = [
    QuestionSpec(K.SHORT_TEXT, "Uw straat", "Your street"),
    QuestionSpec(K.LONG_TEXT, "Wat wilt u kwijt?", "Anything else?"),
    QuestionSpec(
        K.SINGLE_CHOICE,
        "Waar maakt u zich zorgen over?",
        "What worries you?",
        required=True,
        options=(OptionSpec("Hitte", "Heat"), OptionSpec("Water", "Water"), OptionSpec("Niets")),
    ),
    QuestionSpec(
        K.MULTIPLE_CHOICE,
        "Wat merkt u?",
        "What do you notice?",
        options=(OptionSpec("Warme nachten"), OptionSpec("Natte kelder")),
    ),
    QuestionSpec(K.LIKERT, "De buurt is groen genoeg", "The neighbourhood is green enough"),
    QuestionSpec(K.NUMBER, "Hoeveel tegels?", min_value=0, max_value=500),
    QuestionSpec(K.MAP_POINT, "Waar is het te heet?", "Where is it too hot?"),
    QuestionSpec(K.MAP_AREA, "Welk gebied loopt onder?", "Which area floods?"),
    QuestionSpec(K.RANKING, "Wat eerst?", options=(OptionSpec("Bomen"), OptionSpec("Wadi"))),
]


def _answers(survey: Survey, n: int, *, as_json: bool = False) -> dict[str, object]:
    by_kind = {q.kind: q for q in survey.questions.prefetch_related("options")}
    options = {kind: [o.pk for o in q.options.all()] for kind, q in by_kind.items()}
    return {
        str(by_kind[K.SHORT_TEXT].pk): f"Straat {n}",
        str(by_kind[K.SINGLE_CHOICE].pk): options[K.SINGLE_CHOICE][n % 2],
        str(by_kind[K.MULTIPLE_CHOICE].pk): options[K.MULTIPLE_CHOICE][: 1 + n % 2],
        str(by_kind[K.LIKERT].pk): 1 + n % 5,
        str(by_kind[K.NUMBER].pk): 10 * n,
        str(by_kind[K.MAP_POINT].pk): geojson(near(0.0004 * n)) if as_json else near(0.0004 * n),
        str(by_kind[K.RANKING].pk): list(reversed(options[K.RANKING])),
    }


def _survey(officer, area: Area, title: str) -> Survey:
    survey = survey_services.survey_create(actor=officer, title_nl=title, area=area)
    survey_services.questions_replace(actor=officer, survey=survey, questions=QUESTIONS)
    return survey


@pytest.fixture(scope="module")
def api_world(django_db_setup, django_db_blocker):
    """The world of build_world, made once for a module inside a transaction.

    Each test (with pytest-django's `db`) runs in a savepoint within it, so
    what one test writes is gone for the next; the world itself is rolled
    back when the module is done.
    """
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            world = build_world()
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    yield world
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


def build_world() -> ApiWorld:
    """Areas, themes, the four roles with tokens, concerns and challenges in every state,
    surveys (draft, open with answers and codes, closed with results) and sensors."""
    town = AreaFactory(
        kind=Area.Kind.MUNICIPALITY,
        code="GM0193",
        name="Zwolle",
        geometry=square(*CENTRE, 0.05),
        population=130000,
    )
    district = AreaFactory(
        kind=Area.Kind.DISTRICT,
        code="WK019301",
        name="Stadshagen",
        parent=town,
        geometry=square(*CENTRE, 0.02),
        population=None,
        attributes={},
    )
    werkeren = AreaFactory(
        code="BU01930001", name="Werkeren", parent=district, geometry=square(*CENTRE, 0.01)
    )
    heat = ThemeFactory(slug="heat", name_nl="Hitte", name_en="Heat")
    flooding = ThemeFactory(slug="flooding", name_nl="Wateroverlast", name_en="Flooding")
    ThemeFactory(slug="drought", name_nl="Droogte", name_en="Drought", is_active=False)

    resident = ResidentFactory(username="resident")
    neighbour = ResidentFactory(username="neighbour")
    officer = OfficerFactory(username="officer")
    council = CouncilFactory(username="council")
    tokens = {
        role: Token.objects.create(user=user).key
        for role, user in {"resident": resident, "officer": officer, "council": council}.items()
    }

    def concern(author, text: str, dx: float, theme=heat, photo=None) -> Concern:
        return services.concern_create(
            author=author, theme=theme, description=text, location=near(dx, dx / 2), photo=photo
        )

    submitted = concern(resident, "Hete stoep bij de school", 0.001, photo=image_upload())
    published = concern(resident, "Plein zonder schaduw", 0.002)
    workflow.transition(published, Concern.Status.PUBLISHED, actor=officer)
    wet = concern(neighbour, "Water in de tunnel", -0.003, theme=flooding)
    workflow.transition(wet, Concern.Status.PUBLISHED, actor=officer)
    rejected = concern(neighbour, "Buiten het onderwerp", 0.004)
    workflow.transition(rejected, Concern.Status.REJECTED, actor=officer, note="Geen klimaat")
    # Outside every neighbourhood: a concern of the municipality without a neighbourhood.
    outskirts = concern(resident, "Hitte aan de rand", 0.03)
    workflow.transition(outskirts, Concern.Status.PUBLISHED, actor=officer)

    draft = services.challenge_create(actor=officer, title="Koelte in Werkeren", theme=heat)
    opened = services.challenge_create(
        actor=officer, title="Schaduw op het plein", theme=heat, geometry=square(*CENTRE, 0.004)
    )
    workflow.transition(opened, Challenge.Status.OPEN, actor=officer)
    services.challenge_link_concerns(challenge=opened, concerns=[published], actor=officer)
    evidence_row(
        challenge=opened, source="sensors", name="tropical_nights", value=12.0, details={"n": 4}
    )
    evidence_row(challenge=opened, source="surveys", name="theme_named_share", value=None)
    prioritised = services.challenge_create(
        actor=officer, title="Natte voeten", theme=flooding, geometry=square(*CENTRE, 0.003)
    )
    workflow.transition(prioritised, Challenge.Status.OPEN, actor=officer)
    workflow.transition(prioritised, Challenge.Status.PRIORITISED, actor=officer)

    draft_survey = _survey(officer, town, "Nog in opbouw")
    open_survey = _survey(officer, town, "Hitte en water")
    workflow.transition(open_survey, Survey.Status.OPEN, actor=officer)
    answering.response_submit(
        survey=open_survey, answers=_answers(open_survey, 1), respondent=resident
    )
    codes = survey_services.invitations_generate(
        actor=officer, survey=open_survey, count=4, area=werkeren, batch="brief 1"
    )
    closed_survey = _survey(officer, town, "Vorige zomer")
    workflow.transition(closed_survey, Survey.Status.OPEN, actor=officer)
    letters = survey_services.invitations_generate(actor=officer, survey=closed_survey, count=7)
    for n, invitation in enumerate(letters):
        answering.response_submit(
            survey=closed_survey,
            answers=_answers(closed_survey, n),
            code=invitation.code,
            area=werkeren,
            consent_publish=n % 2 == 0,
        )
    workflow.transition(closed_survey, Survey.Status.CLOSED, actor=officer)

    garden, _ = sensor_services.sensor_register(
        actor=resident,
        external_id="tuin-01",
        name="Achtertuin",
        hardware="native",
        quantities=["air_temperature", "soil_moisture"],
        location=near(0.0012, 0.0007),
        exposure="sun",
        surface="paving",
    )
    station, _ = sensor_services.sensor_register(
        actor=officer,
        external_id="station-01",
        hardware="station",
        quantities=["air_temperature", "precipitation"],
        location=near(-0.002, 0.001),
        height_m=3.5,
    )
    retired, _ = sensor_services.sensor_register(
        actor=resident,
        external_id="tuin-02",
        hardware="ttn",
        quantities=["wet_feet"],
        location=near(0.02, 0.02),
    )
    Sensor.objects.filter(pk=retired.pk).update(status=Sensor.Status.RETIRED)
    # A sensor.community station that pushes through every ingest path.
    device, device_token = sensor_services.sensor_register(
        actor=officer,
        external_id="esp8266-1234567",
        hardware="sensor_community",
        quantities=["air_temperature", "relative_humidity"],
        location=near(-0.001, -0.001),
    )
    tokens["device"] = device_token
    # Lamp posts registered from a file by the officer, whose tokens wait for download.
    lamp_posts, _held = bulk_registration.sensors_register_file(
        actor=officer,
        content=(
            "device_id,kind,quantities,latitude,longitude\n"
            f"paal-01,lamp_post,air_temperature,{CENTRE[1] + 0.003},{CENTRE[0] - 0.003}\n"
        ).encode(),
        file_name="palen.csv",
    )
    # Proposals in consultation (with a comment) and awaiting the council's decision.
    consulted = intervention_services.intervention_create(
        actor=officer,
        challenge=opened,
        kind="depaving",
        title="Tegels eruit",
        description="Bomen erin",
        site=near(0.0005),
    )
    workflow.transition(
        consulted,
        "in_consultation",
        actor=officer,
        changes={"consultation_end": timezone.localdate() + timedelta(days=30)},
    )
    comment = intervention_services.comment_create(
        intervention=consulted, actor=neighbour, text="Goed plan"
    )
    awaiting = intervention_services.intervention_create(
        actor=officer, challenge=prioritised, kind="water_storage", title="Wadi", description="x"
    )
    workflow.transition(
        awaiting,
        "in_consultation",
        actor=officer,
        changes={"consultation_end": timezone.localdate() + timedelta(days=30)},
    )
    workflow.transition(awaiting, "awaiting_decision", actor=officer)
    proposed = intervention_services.intervention_create(
        actor=resident, challenge=opened, kind="trees", title="Boom", description="y"
    )

    return ApiWorld(
        tokens=tokens,
        ids={
            "themes": ["heat", "flooding", "drought"],
            "areas": [town.pk, district.pk, werkeren.pk],
            "concerns": [submitted.pk, published.pk, wet.pk, rejected.pk, outskirts.pk],
            "challenges": [draft.pk, opened.pk, prioritised.pk],
            "surveys": [draft_survey.pk, open_survey.pk, closed_survey.pk],
            "sensors": [garden.pk, station.pk, retired.pk],
            "sensor-registrations": [lamp_posts.pk],
            "interventions": [consulted.pk, awaiting.pk, proposed.pk],
            "intervention-comments": [comment.pk],
        },
        values={
            "theme": ["heat", "flooding"],
            "location": [geojson(near(0.001, 0.001)), geojson(near(-0.004, 0.002))],
            "latitude": [CENTRE[1] + 0.001],
            "longitude": [CENTRE[0] - 0.001],
            "geometry": [json.loads(square(*CENTRE, 0.001).json)],
            "concerns": [[published.pk], [wet.pk, outskirts.pk]],
            "to": [
                "published",
                "rejected",
                "linked",
                "closed",
                "withdrawn",
                "open",
                "prioritised",
                "archived",
                "under_review",
                "in_consultation",
                "awaiting_decision",
                "removed",
            ],
            "challenge": [opened.pk],
            "kind": ["trees"],
            "outcome": ["agreed"],
            "reason": ["spam"],
            "area": ["GM0193", "BU01930001"],
            "neighbourhood": ["BU01930001"],
            "code": [invitation.code for invitation in codes],
            "answers": [_answers(open_survey, 2, as_json=True)],
            "username": ["resident", "officer@example.test"],
            "password": [PASSWORD],
            "external_id": ["tuin-01", "tuin-99"],
            "count": [1, 3],
            "batch": ["brief 1"],
            "in_bbox": ["6.0,52.5,6.1,52.6"],
            "X-Sensor": [device.external_id],
        },
    )
