"""Grouping: officers link selected concerns, and take suggestions (clusters, duplicates)."""

import pytest
from django.contrib.gis.geos import Point

from civic import services
from civic.grouping import concerns_outline, grouping_suggestions
from civic.models import Challenge, ChallengeConcern, Concern
from tests.factories import CENTRE, ChallengeFactory, ConcernFactory, square

pytestmark = pytest.mark.django_db

GROUPING_URL = "/grouping/"
# Metres to degrees near CENTRE (52.5° N).
M_LAT = 1 / 111_200
M_LON = 1 / 67_700


def at(east_m: float, north_m: float) -> Point:
    return Point(CENTRE[0] + east_m * M_LON, CENTRE[1] + north_m * M_LAT, srid=4326)


def concern(theme, east_m, north_m, text=None, status=Concern.Status.PUBLISHED, **extra):
    fields = {"description": text} if text else {}
    return ConcernFactory(
        theme=theme, location=at(east_m, north_m), status=status, **fields, **extra
    )


@pytest.fixture
def planted(heat, flooding, neighbourhood, settings):
    """Three heat concerns within 100 m of each other, and others that must stay out."""
    settings.CIVIC_GROUPING_EPS_M = 150
    settings.CIVIC_GROUPING_MIN_POINTS = 3
    cluster = [
        concern(heat, 0, 0, "Geen schaduw op het schoolplein"),
        concern(heat, 90, 0, "Hete tegels bij de ingang"),
        concern(heat, 90, 90, "Het speeltoestel is gloeiend heet"),
    ]
    return {
        "cluster": cluster,
        # 600 m away: alone, so in no cluster.
        "far": concern(heat, 600, 0, "Een boom zou helpen bij de bank"),
        # Close, but another theme.
        "flooding": concern(flooding, 45, 45, "Water in de kelder"),
        # Close and the same theme, but not published, or already linked.
        "submitted": concern(heat, 30, 30, "Nog niet gemodereerd", status="submitted"),
    }


def test_a_cluster_of_nearby_concerns_of_one_theme_is_found(planted, heat):
    found = grouping_suggestions()

    assert len(found.clusters) == 1
    cluster = found.clusters[0]
    assert cluster.theme == heat
    assert sorted(cluster.ids) == sorted(c.pk for c in planted["cluster"])
    assert planted["far"].pk not in cluster.ids
    assert cluster.centre["type"] == "Point"


def test_no_cluster_below_the_minimum_or_beyond_the_distance(planted, settings):
    settings.CIVIC_GROUPING_MIN_POINTS = 4
    assert grouping_suggestions().clusters == []

    settings.CIVIC_GROUPING_MIN_POINTS = 3
    settings.CIVIC_GROUPING_EPS_M = 60  # the concerns are 90 m apart
    assert grouping_suggestions().clusters == []


def test_linked_concerns_leave_the_cluster(planted, officer, heat):
    challenge = ChallengeFactory(theme=heat, status="open", geometry=None)
    services.challenge_link_concerns(
        challenge=challenge, concerns=planted["cluster"][:1], actor=officer
    )

    assert grouping_suggestions().clusters == []  # two left: fewer than three


def test_an_open_challenge_near_the_cluster_is_offered(planted, heat, flooding):
    near = ChallengeFactory(
        theme=heat, status="open", geometry=square(at(300, 0).x, at(300, 0).y, 0.001)
    )
    ChallengeFactory(theme=flooding, status="open", geometry=square(*CENTRE, 0.001))
    ChallengeFactory(theme=heat, status="closed", geometry=square(*CENTRE, 0.001))

    (cluster,) = grouping_suggestions().clusters

    assert cluster.near_challenge == near


def test_a_duplicate_pair_is_found_and_a_different_text_is_not(heat, neighbourhood, settings):
    settings.CIVIC_DUPLICATE_DISTANCE_M = 30
    settings.CIVIC_DUPLICATE_SIMILARITY = 0.5
    original = concern(heat, 0, 0, "De stoep staat na elke regenbui onder water bij de bushalte")
    copy = concern(heat, 8, 5, "De stoep staat na iedere regenbui onder water bij de bushalte!")
    other_text = concern(heat, 5, 0, "Er zijn te weinig bomen in onze straat")
    far_copy = concern(heat, 400, 0, "De stoep staat na elke regenbui onder water bij de bushalte")

    pairs = [(d.concern.pk, d.original.pk) for d in grouping_suggestions().duplicates]

    assert (copy.pk, original.pk) in pairs
    assert all(other_text.pk not in pair for pair in pairs)
    assert all(far_copy.pk not in pair for pair in pairs)
    best = grouping_suggestions().duplicates[0]
    assert best.similarity >= 0.5 and best.distance_m < 30


def test_the_outline_of_new_challenge_covers_its_concerns(planted):
    outline = concerns_outline(ids=[c.pk for c in planted["cluster"]])

    assert outline.geom_type == "MultiPolygon"
    assert all(outline.contains(c.location) for c in planted["cluster"])


# ---------------------------------------------------------------- the page


@pytest.fixture
def officer_client(client, officer):
    client.force_login(officer)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.mark.parametrize("role", ["resident", "council"])
def test_only_officers_group(client, request, role, planted):
    client.force_login(request.getfixturevalue(role))

    assert client.get(GROUPING_URL).status_code == 403
    ids = [c.pk for c in planted["cluster"]]
    assert (
        client.post(GROUPING_URL, {"action": "new", "title": "X", "concerns": ids}).status_code
        == 403
    )
    assert not Challenge.objects.exists()


def test_the_page_lists_only_unlinked_published_concerns_with_suggestions(officer_client, planted):
    page = officer_client.get(GROUPING_URL)

    text = page.content.decode()
    assert page.status_code == 200
    for c in [*planted["cluster"], planted["far"], planted["flooding"]]:
        assert f'id="pick-{c.pk}"' in text
    assert f'id="pick-{planted["submitted"].pk}"' not in text
    assert "Nog niet gemodereerd" not in text
    assert 'id="cluster-1"' in text
    assert (
        officer_client.get(GROUPING_URL, {"theme": "flooding"}).content.decode().count('id="pick-')
        == 1
    )


def test_a_suggested_cluster_becomes_a_new_challenge_in_one_click(officer_client, planted, heat):
    ids = [c.pk for c in planted["cluster"]]

    done = officer_client.post(
        GROUPING_URL,
        {"action": "new", "title": "Hitte: Werkeren", "theme": heat.pk, "concerns": ids},
    )

    challenge = Challenge.objects.get()
    assert done.status_code == 302 and done["Location"] == f"/challenges/{challenge.pk}/"
    assert challenge.status == Challenge.Status.DRAFT and challenge.theme == heat
    assert sorted(challenge.concerns.values_list("pk", flat=True)) == sorted(ids)
    assert all(challenge.geometry.contains(c.location) for c in planted["cluster"])
    assert set(Concern.objects.filter(pk__in=ids).values_list("status", flat=True)) == {"linked"}


def test_selected_concerns_are_added_to_an_existing_challenge(officer_client, planted, heat):
    challenge = ChallengeFactory(theme=heat, status="open")
    picked = [planted["far"].pk, planted["flooding"].pk]

    officer_client.post(
        GROUPING_URL, {"action": "link", "challenge": challenge.pk, "concerns": picked}
    )

    assert sorted(challenge.concerns.values_list("pk", flat=True)) == sorted(picked)


def test_an_unpublished_concern_in_the_selection_is_named_and_nothing_is_linked(
    officer_client, planted, heat
):
    challenge = ChallengeFactory(theme=heat, status="open")
    picked = [planted["far"].pk, planted["submitted"].pk]

    refused = officer_client.post(
        GROUPING_URL, {"action": "new", "title": "Nieuw", "concerns": picked}
    )
    refused_link = officer_client.post(
        GROUPING_URL, {"action": "link", "challenge": challenge.pk, "concerns": picked}
    )

    for answer in (refused, refused_link):
        assert answer.status_code == 400
        assert f"#{planted['submitted'].pk}" in answer.content.decode()
    assert not ChallengeConcern.objects.exists()
    assert Challenge.objects.count() == 1  # the new one was not kept either


def test_nothing_selected_or_no_title_is_a_400_naming_it(officer_client, planted):
    empty = officer_client.post(GROUPING_URL, {"action": "new", "title": "X"})
    untitled = officer_client.post(
        GROUPING_URL, {"action": "new", "title": "", "concerns": [planted["far"].pk]}
    )

    assert empty.status_code == 400 and "<strong>concerns</strong>" in empty.content.decode()
    assert untitled.status_code == 400 and "<strong>title</strong>" in untitled.content.decode()
    assert not Challenge.objects.exists()


def test_a_duplicate_is_closed_in_one_click_through_the_workflow(
    officer_client, heat, neighbourhood
):
    original = concern(heat, 0, 0, "De stoep staat na elke regenbui onder water")
    copy = concern(heat, 3, 3, "De stoep staat na elke regenbui onder water!")
    page = officer_client.get(GROUPING_URL)
    assert f'id="duplicate-{copy.pk}-{original.pk}"' in page.content.decode()

    officer_client.post(
        GROUPING_URL, {"action": "duplicate", "concerns": [copy.pk], "original": original.pk}
    )

    copy.refresh_from_db()
    assert (copy.status, copy.outcome) == ("closed", "duplicate")
    from civic.selectors import history_of

    assert history_of(copy).last().note == f"Closed as a duplicate of concern #{original.pk}."


def test_closing_a_duplicate_names_only_another_public_concern(client, officer, heat):
    """The note reaches the author: an unpublished or the same concern is refused."""
    from civic.models import Concern

    newer = ConcernFactory(theme=heat, status="published")
    unpublished = ConcernFactory(theme=heat, status="submitted")
    client.force_login(officer)

    for original in (newer.pk, unpublished.pk):
        response = client.post(
            "/grouping/",
            {"action": "duplicate", "concerns": [newer.pk], "original": original},
            HTTP_ACCEPT_LANGUAGE="en",
        )
        assert response.status_code == 400
        assert "Name another published concern as the original." in response.content.decode()
    newer.refresh_from_db()
    assert newer.status == Concern.Status.PUBLISHED
