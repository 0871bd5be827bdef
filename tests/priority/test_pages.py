"""The ranking page: officers and council only, why each ranks where, periods, escaping."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from civic.models import Challenge
from priority import services
from tests.factories import ChallengeFactory, evidence_row, shown_season

AMS = ZoneInfo("Europe/Amsterdam")


@pytest.mark.parametrize(
    ("role", "status"),
    [("officer", 200), ("council", 200), ("admin_user", 200), ("resident", 403), (None, 403)],
)
def test_the_ranking_is_for_officers_and_council(client, request, ranked, role, status):
    services.scores_recompute()
    if role:
        client.force_login(request.getfixturevalue(role))

    response = client.get("/priority/")

    assert response.status_code == status
    text = response.content.decode()
    if status == 403:
        assert "Hot square" not in text
        assert "Geen toegang" in text or "No access" in text  # the site's 403 page
    else:
        assert text.index("Hot square") < text.index("Wet street") < text.index("Plain corner")
        # The override form is the officers'.
        assert ('name="reason"' in text) == (role in ("officer", "admin_user"))


def test_the_ranking_says_why_with_equal_weights_beside_and_the_weights_in_force(
    client, ranked, council, officer
):
    services.weights_version_create(
        actor=officer,
        weights={
            "heat": 3,
            "wetness": 1,
            "residents": 1,
            "survey": 1,
            "vulnerability": 1,
            "alignment": 1,
        },
        note="Hitte zwaarder",
    )
    services.scores_recompute()
    client.force_login(council)

    text = client.get("/priority/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Version 1, set by a policy officer" in text
    assert "officer" not in text.split('id="weights-version"')[1].split("</p>")[0].replace(
        "policy officer", ""
    )
    hot = text.split(f'id="rank-{ranked.hot.pk}"')[1].split("</li>")[0]
    # The why: heat gives the most points, in words with its unit.
    why = hot.split('class="why"')[1].split("</div>")[0]
    assert why.index("heat") < why.index("1.5 °C")
    assert "under equal weights" in hot and "based on 5 of 6 criteria" in hot
    plain = text.split(f'id="rank-{ranked.plain.pk}"')[1].split("</li>")[0]
    assert "Missing:" in plain and plain.count('class="criterion missing"') == 5


def test_a_bad_period_is_a_400_page_naming_period(client, ranked, council):
    client.force_login(council)

    response = client.get("/priority/?period=season-1999")

    assert response.status_code == 400
    assert 'id="period-error"' in response.content.decode()


def test_outside_summer_the_last_complete_season_is_shown(client, municipality, heat, council):
    with time_machine.travel(datetime(2027, 2, 15, 12, tzinfo=AMS), tick=False):
        challenge = ChallengeFactory(title="Winter check", theme=heat, status="open")
        season = shown_season()
        evidence_row(challenge=challenge, source="sensors", name="night_anomaly", value=0.8)
        services.scores_recompute()
        client.force_login(council)

        text = client.get("/priority/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert season.start == date(2026, 5, 1)
    assert "warm season 2026" in text and "Winter check" in text
    assert "0.8 °C" in text


def test_titles_and_reasons_are_text_on_the_ranking(client, ranked, officer):
    ranked.plain.title = '<script>alert("t")</script>'
    ranked.plain.save()
    services.scores_recompute()
    services.override_set(
        actor=officer, challenge=ranked.plain, position=1, reason="<img src=x onerror=alert(1)>"
    )
    client.force_login(officer)

    text = client.get("/priority/").content.decode()

    assert "<script>alert" not in text and "<img src=x" not in text
    assert "&lt;script&gt;alert" in text and "&lt;img src=x onerror=alert(1)&gt;" in text


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/priority/").status_code == 200
    return len(queries)


def test_the_ranking_costs_the_same_queries_for_3_or_12_challenges(client, ranked, officer, heat):
    services.scores_recompute()
    services.override_set(actor=officer, challenge=ranked.plain, position=1, reason="Motie")
    client.force_login(officer)
    few = _queries(client)

    for n in range(9):
        challenge = ChallengeFactory(theme=heat, status=Challenge.Status.OPEN, area=ranked.old_area)
        evidence_row(challenge=challenge, source="sensors", name="night_anomaly", value=n / 3)
        services.override_set(actor=officer, challenge=challenge, position=n + 2, reason="r")
    services.scores_recompute()
    many = _queries(client)

    assert many == few, (few, many)


def test_the_score_fact_for_lists_is_one_query(ranked, django_assert_num_queries):
    from civic.challenge_parts import facts

    services.scores_recompute()
    ids = [ranked.hot.pk, ranked.wet.pk, ranked.plain.pk, 999_999]

    with django_assert_num_queries(1):
        values = next(f for f in facts() if f.key == "score").values(ids, None)

    assert values[999_999] is None
    assert values[ranked.hot.pk] > values[ranked.wet.pk] > values[ranked.plain.pk]


@pytest.mark.parametrize("value", ["²", "abc", "99999999"])
def test_a_council_theme_that_is_not_ours_is_a_400_naming_themes(client, admin_user, heat, value):
    from priority.models import CouncilThemesVersion

    client.force_login(admin_user)

    response = client.post(
        "/priority/council-themes/", {"themes": [str(heat.pk), value]}, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 400
    assert "Choose themes from the list." in response.content.decode()
    assert not CouncilThemesVersion.objects.exists()


def test_an_override_position_in_other_digits_is_a_400_not_a_crash(client, ranked, officer):
    from priority.models import Override

    client.force_login(officer)

    response = client.post(
        f"/priority/overrides/{ranked.plain.pk}/", {"position": "²", "reason": "Motie"}
    )

    assert response.status_code == 400
    assert not Override.objects.exists()


def test_the_ranking_says_where_each_challenge_stands_in_the_workflow(client, ranked, council):
    """The stage the apps derive (e.g. a proposal awaiting the council), not the bare status."""
    from civic import challenge_parts

    services.scores_recompute()
    waiting = challenge_parts.Stage("awaiting_decision", "awaiting the council's decision", 50)
    saved = dict(challenge_parts._STAGE_SOURCES)
    challenge_parts.stage_source_register("test", lambda ids: {ranked.wet.pk: waiting})
    try:
        client.force_login(council)
        text = client.get("/priority/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    finally:
        challenge_parts._STAGE_SOURCES.clear()
        challenge_parts._STAGE_SOURCES.update(saved)

    row = text[text.index(f'id="rank-{ranked.wet.pk}"') :]
    assert "awaiting the council&#x27;s decision)" in row[:800]
