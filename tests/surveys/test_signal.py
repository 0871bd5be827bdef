"""The survey signal: the share of respondents in a challenge's area who named its theme."""

import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon

from civic.models import Area, Challenge, Evidence
from civic.periods import to_date_period
from civic.workflow import transition
from surveys import answering, services
from surveys.models import Answer, Response, Survey
from surveys.services import OptionSpec, QuestionSpec
from surveys.signal import MIN_GROUP, NAME, SOURCE, signal_recompute
from tests.factories import (
    CENTRE,
    AreaFactory,
    ChallengeFactory,
    ResidentFactory,
    evidence_row,
    square,
)

from .conftest import K, inside

WEST, SOUTH, NORTH = CENTRE[0] - 0.01, CENTRE[1] - 0.01, CENTRE[1] + 0.01
BORDER = CENTRE[0] + 0.01  # Werkeren's east edge, Oost's west edge


def box(west: float, south: float, east: float, north: float) -> MultiPolygon:
    return MultiPolygon(Polygon.from_bbox((west, south, east, north)), srid=4326)


@pytest.fixture
def oost(municipality):
    """A second neighbourhood, east of Werkeren (sharing its border)."""
    return AreaFactory(
        code="BU01930002",
        name="Oost",
        parent=municipality,
        geometry=box(BORDER, SOUTH, BORDER + 0.02, NORTH),
    )


@pytest.fixture
def themed(officer, municipality, heat, flooding):
    """An open survey whose choices, ranking and map point name heat or flooding."""
    survey = services.survey_create(actor=officer, title_nl="Signaal", area=municipality)
    services.questions_replace(
        actor=officer,
        survey=survey,
        questions=[
            QuestionSpec(
                K.SINGLE_CHOICE,
                "Grootste zorg?",
                options=(
                    OptionSpec("Hitte", theme=heat),
                    OptionSpec("Water", theme=flooding),
                    OptionSpec("Niets"),
                ),
            ),
            QuestionSpec(
                K.MULTIPLE_CHOICE,
                "Wat merkt u?",
                options=(OptionSpec("Warme nachten", theme=heat), OptionSpec("Lawaai")),
            ),
            QuestionSpec(
                K.RANKING,
                "Wat eerst?",
                options=(
                    OptionSpec("Bomen"),
                    OptionSpec("Bankjes"),
                    OptionSpec("Hitte", theme=heat),
                    OptionSpec("Water", theme=flooding),
                    OptionSpec("Parkeren"),
                ),
            ),
            QuestionSpec(K.MAP_POINT, "Waar staat water?", theme=flooding),
        ],
    )
    transition(survey, Survey.Status.OPEN, actor=officer)
    survey.refresh_from_db()
    return survey


def answers(survey: Survey, *, single=None, multiple=(), ranking=None, point=None) -> dict:
    """Answers by label: single option label, multiple labels, ranking labels in order."""
    q = {question.kind: question for question in survey.questions.prefetch_related("options")}
    option = {(kind, o.label_nl): o.pk for kind in q for o in q[kind].options.all()}
    given = {}
    if single:
        given[q[K.SINGLE_CHOICE].pk] = option[(K.SINGLE_CHOICE, single)]
    if multiple:
        given[q[K.MULTIPLE_CHOICE].pk] = [option[(K.MULTIPLE_CHOICE, m)] for m in multiple]
    if ranking:
        given[q[K.RANKING].pk] = [option[(K.RANKING, r)] for r in ranking]
    if point:
        given[q[K.MAP_POINT].pk] = point
    return given


def respond(survey: Survey, area: Area | None, **kwargs) -> Response:
    return answering.response_submit(
        survey=survey, answers=answers(survey, **kwargs), respondent=ResidentFactory(), area=area
    )


def figures() -> dict:
    """(challenge id or area code, name) → value for the surveys source."""
    rows = Evidence.objects.filter(source=SOURCE).select_related("area")
    return {(row.challenge_id or row.area.code, row.name): row.value for row in rows}


@pytest.fixture
def answered(themed, neighbourhood, oost):
    """Six respondents in Werkeren (3 name heat, 2 flooding), five in Oost (1 heat, 3 flooding)."""
    low = ["Bomen", "Bankjes", "Parkeren", "Hitte", "Water"]
    respond(themed, neighbourhood, single="Hitte")
    respond(themed, neighbourhood, multiple=["Warme nachten", "Lawaai"])
    # Heat third in the ranking counts; fourth does not.
    respond(themed, neighbourhood, ranking=["Bomen", "Bankjes", "Hitte", "Water", "Parkeren"])
    respond(themed, neighbourhood, single="Niets", ranking=low)
    respond(themed, neighbourhood, point=inside(0.001))  # a map point names flooding
    respond(themed, neighbourhood, single="Water", multiple=["Lawaai"])
    for label in ["Water", "Water", "Water", "Hitte", "Niets"]:
        respond(themed, oost, single=label)
    # Not counted: no neighbourhood known.
    respond(themed, None, single="Hitte")
    return themed


def test_shares_per_challenge_area_option_ranking_and_map_point(
    answered, officer, municipality, neighbourhood, oost, heat, flooding
):
    # given: challenges with an area, with a geometry across the border, on the
    # whole municipality, one only touching Werkeren, and a closed one
    by_area = ChallengeFactory(theme=heat, area=neighbourhood, geometry=None, status="open")
    across = ChallengeFactory(
        theme=flooding, geometry=box(BORDER - 0.002, CENTRE[1], BORDER + 0.002, NORTH)
    )
    town = ChallengeFactory(theme=heat, area=municipality, geometry=None, status="prioritised")
    touching = ChallengeFactory(
        theme=flooding, geometry=box(BORDER, CENTRE[1], BORDER + 0.005, NORTH), status="open"
    )
    closed = ChallengeFactory(theme=heat, area=neighbourhood, status=Challenge.Status.CLOSED)
    nowhere = ChallengeFactory(theme=heat, geometry=square(7.0, 53.0, 0.001))

    # when
    signal_recompute()

    # then
    got = figures()
    assert got[(by_area.pk, NAME)] == pytest.approx(3 / 6)
    assert got[(across.pk, NAME)] == pytest.approx((2 + 3) / 11)
    assert got[(town.pk, NAME)] == pytest.approx((3 + 1) / 11)
    assert got[(touching.pk, NAME)] == pytest.approx(3 / 5)
    assert (closed.pk, NAME) not in got
    assert (nowhere.pk, NAME) not in got
    row = Evidence.objects.get(challenge=across, source=SOURCE)
    assert row.details["respondents"] == 11
    assert row.details["named"] == 5
    assert row.details["surveys"] == [answered.pk]
    assert row.details["areas"] == ["BU01930001", "BU01930002"]
    assert row.details["theme"] == "flooding"
    assert row.details["suppressed"] is False
    assert len(row.details["period"]) == 2
    assert Evidence.objects.get(challenge=town, source=SOURCE).details["areas"] == ["GM0193"]
    assert Evidence.objects.get(challenge=touching, source=SOURCE).details["areas"] == [
        "BU01930002"
    ]
    # Per neighbourhood, every active theme.
    assert got[("BU01930001", "theme_named_share_heat")] == pytest.approx(3 / 6)
    assert got[("BU01930001", "theme_named_share_flooding")] == pytest.approx(2 / 6)
    assert got[("BU01930002", "theme_named_share_heat")] == pytest.approx(1 / 5)
    assert got[("BU01930002", "theme_named_share_flooding")] == pytest.approx(3 / 5)


def test_a_draft_survey_and_a_theme_ranked_below_the_top_three_do_not_count(
    themed, officer, neighbourhood, municipality, heat
):
    # given: five respondents naming nothing, heat fourth in their ranking
    for _ in range(5):
        respond(
            themed,
            neighbourhood,
            single="Niets",
            ranking=["Bomen", "Bankjes", "Parkeren", "Hitte", "Water"],
        )
    # and a draft survey (answers written directly: a draft takes none) full of heat
    draft = services.survey_copy(actor=officer, survey=themed)
    single = draft.questions.get(kind=K.SINGLE_CHOICE)
    heat_option = single.options.get(theme=heat)
    for _ in range(5):
        response = Response.objects.create(
            survey=draft, respondent=ResidentFactory(), area=neighbourhood
        )
        Answer.objects.create(response=response, question=single, options=[heat_option.pk])
    challenge = ChallengeFactory(theme=heat, area=neighbourhood, geometry=None)

    # when
    signal_recompute()

    # then
    row = Evidence.objects.get(challenge=challenge, source=SOURCE)
    assert row.value == 0
    assert row.details["respondents"] == 5
    assert row.details["surveys"] == [themed.pk]


@pytest.mark.parametrize(("respondents", "shown"), [(MIN_GROUP - 1, False), (MIN_GROUP, True)])
def test_fewer_than_five_respondents_are_suppressed(themed, oost, flooding, respondents, shown):
    for index in range(respondents):
        respond(themed, oost, single="Water" if index % 2 == 0 else "Niets")
    challenge = ChallengeFactory(theme=flooding, area=oost, geometry=None)

    signal_recompute()

    row = Evidence.objects.get(challenge=challenge, source=SOURCE)
    area_row = Evidence.objects.get(area=oost, name="theme_named_share_flooding")
    if shown:
        assert row.value == pytest.approx(3 / 5)
        assert area_row.value == pytest.approx(3 / 5)
        assert (row.details["respondents"], row.details["named"]) == (5, 3)
        assert row.details["suppressed"] is False
    else:
        assert row.value is None
        assert area_row.value is None
        # No counts or dates that would tell what a few neighbours answered.
        assert row.details["suppressed"] is True
        assert row.details["min_group"] == MIN_GROUP
        assert row.details["respondents"] is None
        assert row.details["named"] is None
        assert row.details["period"] is None


def test_stale_rows_are_removed_and_other_sources_kept(
    answered, officer, neighbourhood, oost, heat, flooding
):
    # given: computed figures, an old figure under another name, a sensor row
    stays = ChallengeFactory(theme=heat, area=neighbourhood, geometry=None, status="open")
    closes = ChallengeFactory(theme=flooding, area=oost, geometry=None, status="open")
    signal_recompute()
    old = evidence_row(
        challenge=stays,
        source=SOURCE,
        name="theme_named_share_old",
        value=1,
        period=to_date_period(),
    )
    sensors = evidence_row(challenge=closes, source="sensors", name="sensor_count", value=3)
    assert Evidence.objects.filter(challenge=closes, source=SOURCE).exists()

    # when: one challenge closes, Oost's respondents are gone, and a theme is retired
    Challenge.objects.filter(pk=closes.pk).update(status=Challenge.Status.CLOSED)
    Response.objects.filter(area=oost).delete()
    flooding.is_active = False
    flooding.save()
    signal_recompute()

    # then
    assert not Evidence.objects.filter(challenge=closes, source=SOURCE).exists()
    assert not Evidence.objects.filter(pk=old.pk).exists()
    assert not Evidence.objects.filter(area=oost, source=SOURCE).exists()
    assert not Evidence.objects.filter(name="theme_named_share_flooding").exists()
    assert Evidence.objects.filter(challenge=stays, source=SOURCE, name=NAME).exists()
    assert Evidence.objects.filter(pk=sensors.pk).exists()


def test_recomputing_twice_writes_the_same_rows(answered, neighbourhood, oost, heat, flooding):
    ChallengeFactory(theme=heat, area=neighbourhood, geometry=None, status="open")
    ChallengeFactory(theme=flooding, geometry=box(BORDER - 0.002, SOUTH, BORDER + 0.002, NORTH))

    def snapshot():
        return sorted(
            Evidence.objects.filter(source=SOURCE).values_list(
                "challenge_id", "area_id", "name", "value", "details"
            ),
            key=repr,
        )

    first_written = signal_recompute()
    first = snapshot()
    assert signal_recompute() == first_written
    assert snapshot() == first
    assert first_written == len(first) == 2 + 2 * 2


def test_a_survey_that_does_not_offer_the_theme_does_not_dilute_it(
    answered, officer, municipality, oost, heat, flooding
):
    # given: a second survey that only asks where it is too hot, five answers in Oost
    other = services.survey_create(actor=officer, title_nl="Alleen hitte", area=municipality)
    services.questions_replace(
        actor=officer,
        survey=other,
        questions=[QuestionSpec(K.MAP_POINT, "Waar is het heet?", theme=heat)],
    )
    transition(other, Survey.Status.OPEN, actor=officer)
    point = other.questions.get()
    for index in range(5):
        answering.response_submit(
            survey=other,
            answers={point.pk: inside(0.015)} if index < 2 else {},
            respondent=ResidentFactory(),
            area=oost,
        )
    wet = ChallengeFactory(theme=flooding, area=oost, geometry=None)
    hot = ChallengeFactory(theme=heat, area=oost, geometry=None)

    # when
    signal_recompute()

    # then: flooding keeps its 3 of 5; heat counts both surveys' respondents
    assert figures()[(wet.pk, NAME)] == pytest.approx(3 / 5)
    assert Evidence.objects.get(challenge=wet).details["surveys"] == [answered.pk]
    assert figures()[(hot.pk, NAME)] == pytest.approx((1 + 2) / 10)
    assert Evidence.objects.get(challenge=hot).details["surveys"] == sorted([answered.pk, other.pk])
