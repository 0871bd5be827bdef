"""The score: normalised criteria, a missing one left out (never 0), weights, equal weights."""

import pytest

from civic import vocabulary
from civic.vocabulary import Measure
from priority import services
from priority.models import Score
from tests.factories import evidence_row, shown_season


def lines_of(challenge, period=None):
    score = Score.objects.get(challenge=challenge, period=period or shown_season())
    return score, {line.criterion: line for line in score.criteria.all()}


def test_a_missing_criterion_is_shown_missing_and_the_score_comes_from_the_others(
    ranked, admin_user, heat
):
    services.council_themes_set(actor=admin_user, themes=[heat])
    services.scores_recompute()

    score, lines = lines_of(ranked.plain)

    # No sensor figures, no survey signal, no area: missing, not 0.
    for key in ("heat", "wetness", "survey", "vulnerability"):
        assert lines[key].missing, key
        assert lines[key].normalised is None and lines[key].contribution is None
    assert score.criteria_present == 2 and score.criteria_total == 6
    # Residents: 0 of the 0..6 range (n = 0); alignment: heat is the council's theme (n = 1).
    assert lines["residents"].normalised == 0.0 and lines["alignment"].normalised == 1.0
    # The mean over the two present criteria, not over six (which would be 16.7).
    assert score.value == pytest.approx(50.0)
    hot, hot_lines = lines_of(ranked.hot)
    present = [line for line in hot_lines.values() if not line.missing]
    assert hot.value == pytest.approx(100 * sum(line.normalised for line in present) / len(present))
    assert sum(line.contribution for line in present) == pytest.approx(hot.value)


def test_council_themes_cleared_make_alignment_missing_not_zero(ranked, admin_user, heat):
    services.council_themes_set(actor=admin_user, themes=[heat])
    services.council_themes_set(actor=admin_user, themes=[], note="Nieuwe coalitie")
    services.scores_recompute()

    score, lines = lines_of(ranked.plain)
    assert lines["alignment"].missing and lines["alignment"].contribution is None
    # Only residents is left: 0 of 0..6, so 0, not a score pulled down by a 0 alignment.
    assert score.criteria_present == 1


def test_a_council_theme_makes_alignment_present_for_everyone(ranked, admin_user, heat):
    services.council_themes_set(actor=admin_user, themes=[heat], note="Coalitieakkoord")
    services.scores_recompute()

    _score, hot = lines_of(ranked.hot)
    _score, wet = lines_of(ranked.wet)
    assert (hot["alignment"].raw, hot["alignment"].normalised) == (1.0, 1.0)
    assert (wet["alignment"].raw, wet["alignment"].normalised) == (0.0, 0.0)
    assert not wet["alignment"].missing


def test_residents_are_distinct_people_and_anonymous_answers_count_one_each(ranked):
    services.scores_recompute()

    assert lines_of(ranked.hot)[1]["residents"].raw == 1
    assert lines_of(ranked.wet)[1]["residents"].raw == 6
    assert lines_of(ranked.plain)[1]["residents"].raw == 0


def test_normalisation_is_min_max_with_one_the_worse_end(ranked):
    services.scores_recompute()

    _s, hot = lines_of(ranked.hot)
    _s, wet = lines_of(ranked.wet)
    # Heat is worse when higher: the hot square is 1 on both heat figures, the wet street 0.
    assert hot["heat"].normalised == 1.0 and wet["heat"].normalised == 0.0
    assert wet["wetness"].normalised == 1.0 and hot["wetness"].normalised == 0.0
    # The raw value shown is the headline figure, night warmth, in its unit.
    assert hot["heat"].raw == 1.5
    assert hot["heat"].details["shown"] == {"source": "sensors", "name": "night_anomaly"}
    # Vulnerability: the mean of what each area has.
    assert hot["vulnerability"].raw == pytest.approx(0.30)
    assert wet["vulnerability"].raw == pytest.approx(0.07)


def test_a_figure_that_is_worse_when_lower_ranks_the_lowest_value_worst(ranked, monkeypatch):
    # A heat figure where lower is worse (e.g. a shade share): the vocabulary decides.
    measure = Measure(
        "sensors", "shade_share", "", "shade", "Share of shade.", worse="lower", criterion="heat"
    )
    monkeypatch.setitem(vocabulary._MEASURES, ("sensors", "shade_share"), measure)
    # Drop the other heat figures so the criterion is this one alone.
    for name in ("night_anomaly", "tropical_nights"):
        monkeypatch.delitem(vocabulary._MEASURES, ("sensors", name))
    evidence_row(challenge=ranked.hot, source="sensors", name="shade_share", value=0.05)
    evidence_row(challenge=ranked.wet, source="sensors", name="shade_share", value=0.40)

    services.scores_recompute()

    assert lines_of(ranked.hot)[1]["heat"].normalised == 1.0
    assert lines_of(ranked.wet)[1]["heat"].normalised == 0.0


def test_weights_change_the_score_and_the_equal_weights_score_stays(ranked, officer):
    services.scores_recompute()
    before = Score.objects.get(challenge=ranked.hot, period=shown_season())

    version = services.weights_version_create(
        actor=officer,
        weights={
            "heat": 5,
            "wetness": 0,
            "residents": 1,
            "survey": 1,
            "vulnerability": 1,
            "alignment": 1,
        },
        note="Hitte telt zwaarder",
    )
    services.scores_recompute()

    after, lines = lines_of(ranked.hot)
    assert after.weights == version
    assert after.equal_value == pytest.approx(before.equal_value)
    assert after.value > before.value
    assert lines["heat"].weight == 5.0 and lines["wetness"].contribution == 0.0


def test_only_open_and_prioritised_challenges_are_ranked(ranked, officer):
    from civic.models import Challenge
    from tests.factories import ChallengeFactory

    draft = ChallengeFactory(status=Challenge.Status.DRAFT)
    closed = ChallengeFactory(status=Challenge.Status.CLOSED)

    services.scores_recompute()

    ranked_ids = set(Score.objects.values_list("challenge_id", flat=True))
    assert ranked_ids == {ranked.hot.pk, ranked.wet.pk, ranked.plain.pk}
    assert draft.pk not in ranked_ids and closed.pk not in ranked_ids
