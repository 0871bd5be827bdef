"""Survey results: the arithmetic, suppression of small groups, and who may see what."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from civic.models import Area
from civic.workflow import transition
from surveys import answering
from surveys.models import Survey
from surveys.results import (
    COMPLEMENTARY,
    DASH,
    MIN_GROUP,
    SMALL,
    TOO_FEW_ANSWERS,
    Visibility,
    results_visibility,
    survey_results,
)
from tests.factories import CENTRE, AreaFactory, ResidentFactory, square

from .conftest import K, inside


def options(q, kind) -> list:
    return list(q[kind].options.all())


def submit(survey, q, *, area=None, single: int = 0, **by_kind):
    """One new resident's response; `single` picks the (required) single-choice option."""
    answers = {q[K.SINGLE_CHOICE].pk: options(q, K.SINGLE_CHOICE)[single].pk}
    answers.update({q[kind].pk: value for kind, value in by_kind.items()})
    return answering.response_submit(
        survey=survey, answers=answers, respondent=ResidentFactory(), area=area
    )


def by_kind(results, kind):
    return next(question for question in results.questions if question.kind == kind)


def close(survey, officer):
    transition(survey, Survey.Status.CLOSED, actor=officer)
    survey.refresh_from_db()


@pytest.fixture
def frankhuis(municipality):
    """A second neighbourhood east of Werkeren, inside the municipality."""
    return AreaFactory(
        code="BU01930002",
        name="Frankhuis",
        parent=municipality,
        population=800,
        geometry=square(CENTRE[0] + 0.03, CENTRE[1], 0.01),
    )


# ---------------------------------------------------------------- arithmetic


def test_figures_match_hand_computed_values(survey, q, neighbourhood):
    # given ten respondents
    multiple = [o.pk for o in options(q, K.MULTIPLE_CHOICE)]  # warm nights, wet cellar, dry garden
    trees, tiles, wadi = (o.pk for o in options(q, K.RANKING))
    numbers = [0, 10, 20, 30, 40, 50, 60, 70, 80, 500]
    for i in range(10):
        chosen = [multiple[0]] if i < 8 else []  # warm nights: 8
        chosen += [multiple[1]] if i < 6 else []  # wet cellar: 6
        chosen += [multiple[2]] if i >= 5 else []  # dry garden: 5
        submit(
            survey,
            q,
            area=neighbourhood,
            single=0 if i < 5 else 1,  # heat 5, flooding 5, nothing 0
            **{
                K.MULTIPLE_CHOICE: chosen or [multiple[0]],
                K.LIKERT: 2 if i < 5 else 5,
                K.NUMBER: numbers[i],
                K.RANKING: [trees, tiles, wadi] if i < 5 else [tiles, wadi, trees],
                K.SHORT_TEXT: f"Straat {i}",
            },
        )

    # when
    results = survey_results(survey=survey, with_texts=True)

    # then
    assert results.responses.count == 10
    single = by_kind(results, K.SINGLE_CHOICE)
    assert [(o.chosen.count, o.chosen.share) for o in single.options] == [
        (5, 0.5),
        (5, 0.5),
        (0, 0.0),
    ]
    multi = by_kind(results, K.MULTIPLE_CHOICE)
    assert multi.answered.count == 10
    assert [(o.chosen.count, o.chosen.share) for o in multi.options] == [
        (8, 0.8),
        (6, 0.6),
        (5, 0.5),
    ]
    assert sum(o.chosen.share for o in multi.options) == pytest.approx(1.9)  # over 100 %
    likert = by_kind(results, K.LIKERT)
    assert [(v.value, v.figure.count) for v in likert.likert] == [
        (1, 0),
        (2, 5),
        (3, 0),
        (4, 0),
        (5, 5),
    ]
    assert likert.mean == 3.5
    number = by_kind(results, K.NUMBER).number
    assert (number.n, number.mean, number.median, number.minimum, number.maximum) == (
        10,
        86.0,
        45.0,
        0,
        500,
    )
    ranking = by_kind(results, K.RANKING)
    # trees: 5 x 1st + 5 x 3rd = 2.0; tiles: 5 x 2nd + 5 x 1st = 1.5; wadi: 5 x 3rd + 5 x 2nd = 2.5
    assert [(o.mean_position, o.ranked_first.count) for o in ranking.options] == [
        (2.0, 5),
        (1.5, 5),
        (2.5, 0),
    ]
    assert by_kind(results, K.SHORT_TEXT).texts == [f"Straat {i}" for i in range(10)]
    werkeren = next(n for n in results.neighbourhoods if n.code == "BU01930001")
    assert (werkeren.responses.count, werkeren.per_1000) == (10, 4.0)  # 10 / 2,500 x 1,000


def test_the_number_of_queries_does_not_grow_with_the_answers(survey, q, neighbourhood):
    def count_queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            survey_results(survey=survey, with_texts=True)
        return len(captured.captured_queries)

    for _ in range(5):
        submit(survey, q, **{K.SHORT_TEXT: "x", K.MAP_POINT: inside(0.001)})
    few = count_queries()
    for _ in range(10):
        submit(survey, q, **{K.SHORT_TEXT: "y", K.MAP_POINT: inside(0.002)})

    assert count_queries() == few <= 8


# ---------------------------------------------------------------- suppression


@pytest.mark.parametrize("respondents", [MIN_GROUP - 1, MIN_GROUP])
def test_a_question_with_fewer_than_five_answers_shows_no_figures(survey, q, respondents):
    for _ in range(respondents):
        submit(survey, q, **{K.LIKERT: 4, K.NUMBER: 7})

    results = survey_results(survey=survey, with_texts=False)

    likert, number = by_kind(results, K.LIKERT), by_kind(results, K.NUMBER)
    if respondents < MIN_GROUP:
        assert likert.suppressed and number.suppressed
        assert likert.answered.count is None and likert.answered.display == "< 5"
        assert likert.mean is None and number.number is None
        assert {v.figure.suppressed for v in likert.likert} == {TOO_FEW_ANSWERS}
        assert results.responses.display == "< 5"
    else:
        assert not likert.suppressed
        assert likert.answered.count == 5 and likert.mean == 4.0
        assert likert.likert[3].figure.count == 5 and likert.likert[3].figure.share == 1.0
        assert number.number.n == 5 and number.number.mean == 7.0
        assert results.responses.count == 5


def test_an_option_chosen_by_four_reads_less_than_five_and_one_by_five_is_shown(survey, q):
    warm, wet, dry = (o.pk for o in options(q, K.MULTIPLE_CHOICE))
    for i in range(10):
        chosen = [warm] + ([wet] if i < 4 else []) + ([dry] if i < 5 else [])
        submit(survey, q, **{K.MULTIPLE_CHOICE: chosen})

    multi = by_kind(survey_results(survey=survey, with_texts=False), K.MULTIPLE_CHOICE)

    warm_f, wet_f, dry_f = (o.chosen for o in multi.options)
    assert (warm_f.count, warm_f.share) == (10, 1.0)
    assert (wet_f.count, wet_f.share, wet_f.suppressed, wet_f.display) == (None, None, SMALL, "< 5")
    assert (dry_f.count, dry_f.share, dry_f.suppressed) == (5, 0.5, None)


@pytest.mark.parametrize(
    ("split", "expected"),
    [
        # heat 5, flooding 4: the 4 alone could be subtracted from 9, so heat is hidden too.
        ((5, 4, 0), [DASH, "< 5", "0"]),
        # heat 5, flooding 3, nothing 2: the hidden 3 + 2 hold five people; heat stays.
        ((5, 3, 2), ["5", "< 5", "< 5"]),
        ((6, 2, 2), [DASH, "< 5", "< 5"]),
    ],
)
def test_a_single_choice_hides_a_count_that_could_be_subtracted_out(survey, q, split, expected):
    for option, times in enumerate(split):
        for _ in range(times):
            submit(survey, q, single=option)

    single = by_kind(survey_results(survey=survey, with_texts=False), K.SINGLE_CHOICE)

    assert [o.chosen.display for o in single.options] == expected
    hidden = [o.chosen.suppressed for o in single.options if o.chosen.display == DASH]
    assert set(hidden) <= {COMPLEMENTARY}


def test_ranked_first_counts_are_suppressed_but_mean_positions_are_not(survey, q):
    trees, tiles, wadi = (o.pk for o in options(q, K.RANKING))
    orders = 5 * [[trees, tiles, wadi]] + 3 * [[tiles, trees, wadi]] + 2 * [[wadi, tiles, trees]]
    for order in orders:
        submit(survey, q, **{K.RANKING: order})

    ranking = by_kind(survey_results(survey=survey, with_texts=False), K.RANKING)

    # trees 5x1 + 3x2 + 2x3 = 17 -> 1.7; tiles 5x2 + 3x1 + 2x2 = 17 -> 1.7; wadi 26 -> 2.6
    assert [o.mean_position for o in ranking.options] == [1.7, 1.7, 2.6]
    assert [o.ranked_first.display for o in ranking.options] == ["5", "< 5", "< 5"]
    assert ranking.options[0].ranked_first.share == 0.5


def test_neighbourhoods_with_four_responses_read_less_than_five_with_no_rate(
    survey, q, neighbourhood, frankhuis
):
    # given Werkeren 5, Frankhuis 4, one with no known neighbourhood, and an empty one
    breecamp = AreaFactory(
        code="BU01930003",
        name="Breecamp",
        population=1200,
        geometry=square(CENTRE[0] - 0.03, CENTRE[1], 0.01),
    )
    for _ in range(5):
        submit(survey, q, area=neighbourhood)
    for _ in range(4):
        submit(survey, q, area=frankhuis)
    submit(survey, q)  # no area, no map point: unknown

    results = survey_results(survey=survey, with_texts=False)

    hoods = {n.code: n for n in results.neighbourhoods}
    assert list(hoods) == ["BU01930003", "BU01930002", "BU01930001"]  # by name
    werkeren, frank, bree = hoods["BU01930001"], hoods[frankhuis.code], hoods[breecamp.code]
    assert (werkeren.responses.count, werkeren.per_1000) == (5, 2.0)  # 5 / 2,500 x 1,000
    assert (frank.responses.display, frank.responses.count, frank.per_1000) == ("< 5", None, None)
    assert (bree.responses.count, bree.per_1000) == (0, 0.0)  # who is not heard
    assert results.unknown_neighbourhood.display == "< 5"
    assert results.responses.count == 10
    assert Area.objects.get(code="GM0193").code not in hoods  # only neighbourhoods


def test_a_neighbourhood_that_would_give_away_a_small_one_is_hidden_too(
    survey, q, neighbourhood, frankhuis
):
    for _ in range(6):
        submit(survey, q, area=neighbourhood)
    for _ in range(4):
        submit(survey, q, area=frankhuis)

    results = survey_results(survey=survey, with_texts=False)

    hoods = {n.code: n for n in results.neighbourhoods}
    # 10 in all, minus Werkeren's 6, would give Frankhuis' 4.
    assert hoods["BU01930001"].responses.display == DASH
    assert hoods["BU01930001"].responses.suppressed == COMPLEMENTARY
    assert hoods["BU01930001"].per_1000 is None
    assert hoods[frankhuis.code].responses.display == "< 5"


def test_map_answers_are_counted_only_in_neighbourhoods_with_five(
    survey, q, neighbourhood, frankhuis
):
    for i in range(5):
        submit(survey, q, **{K.MAP_POINT: inside(0.001 * i)})  # in Werkeren
    submit(survey, q, **{K.MAP_POINT: inside(0.03)})  # alone in Frankhuis
    for _ in range(4):
        submit(
            survey,
            q,
            **{K.MAP_AREA: square(CENTRE[0], CENTRE[1], 0.001)[0]},
        )

    results = survey_results(survey=survey, with_texts=False)

    assert by_kind(results, K.MAP_POINT).map_shown == 5
    assert by_kind(results, K.MAP_AREA).suppressed  # four areas: nothing shown
    assert by_kind(results, K.MAP_AREA).map_shown == 0


# ---------------------------------------------------------------- visibility

ROLES = ("anonymous", "resident", "council", "officer", "admin_user")
EXPECTED = {
    # status: (public, council, officers)
    "draft": (Visibility.HIDDEN, Visibility.HIDDEN, Visibility.FULL),
    "open": (Visibility.NOT_YET, Visibility.AGGREGATES, Visibility.FULL),
    "closed": (Visibility.AGGREGATES, Visibility.AGGREGATES, Visibility.FULL),
    "archived": (Visibility.AGGREGATES, Visibility.AGGREGATES, Visibility.FULL),
}


def survey_in(status: str, request, officer) -> Survey:
    if status == "draft":
        return request.getfixturevalue("draft_survey")
    survey = request.getfixturevalue("survey")
    if status in ("closed", "archived"):
        close(survey, officer)
    if status == "archived":
        transition(survey, Survey.Status.ARCHIVED, actor=officer)
        survey.refresh_from_db()
    return survey


def user_for(role: str, request):
    if role == "anonymous":
        from django.contrib.auth.models import AnonymousUser

        return AnonymousUser()
    return request.getfixturevalue(role)


def expected_for(status: str, role: str) -> Visibility:
    public, council, officers = EXPECTED[status]
    return {"council": council, "officer": officers, "admin_user": officers}.get(role, public)


@pytest.mark.parametrize("status", list(EXPECTED))
@pytest.mark.parametrize("role", ROLES)
def test_who_sees_what(request, officer, status, role):
    survey = survey_in(status, request, officer)

    assert results_visibility(user=user_for(role, request), survey=survey) is expected_for(
        status, role
    )


def test_texts_are_left_out_unless_asked_for(survey, q):
    for i in range(5):
        submit(
            survey,
            q,
            **{
                K.SHORT_TEXT: f"Jan Jansen, Dobbestraat {i}",
                K.MAP_POINT: {"point": inside(0.001), "text": "Bij mijn huis"},
            },
        )

    public = survey_results(survey=survey, with_texts=False)
    officers = survey_results(survey=survey, with_texts=True)

    assert all(question.texts is None for question in public.questions)
    assert by_kind(officers, K.SHORT_TEXT).texts_total == 5
    assert by_kind(officers, K.MAP_POINT).texts == ["Bij mijn huis"] * 5
    assert by_kind(officers, K.NUMBER).texts is None
