"""Interventions on the public map and a challenge's map: public ones only, with their stage."""

import json
import re

import pytest
from django.contrib.gis.geos import Point
from django.test import Client

from civic import services as civic_services
from civic.models import Challenge
from civic.workflow import transition
from interventions import services
from tests.factories import CENTRE, square
from tests.interventions.conftest import S, awaiting, decide, in_consultation, propose

pytestmark = pytest.mark.django_db


def layers_on(client: Client, url: str, script_id: str) -> dict:
    """The layers a page hands its map script: {layer key: layer}."""
    page = client.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    data = json.loads(re.search(rf'id="{script_id}"[^>]*>(.*?)</script>', text, re.S)[1])
    layers = data if script_id == "map-layers-data" else data["layers"]
    return {layer["key"]: layer for layer in layers}


def drawn(client: Client, url: str = "/", script_id: str = "map-layers-data") -> dict:
    """{title: feature} of the interventions drawn on a page's map."""
    layer = layers_on(client, url, script_id)["interventions"]
    return {feature["title"]: feature for feature in layer["features"]}


def in_works(officer, council, challenge, progress: int, **extra):
    made = awaiting(officer, challenge, **extra)
    decide(council, made, "agreed")
    made.refresh_from_db()
    transition(made, S.IN_PROGRESS, actor=officer)
    made.refresh_from_db()
    services.implementation_update(intervention=made, actor=officer, progress=progress)
    return made


@pytest.fixture
def english_client() -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def test_the_public_map_shows_public_interventions_with_stage_progress_and_link(
    english_client, officer, council, challenge
):
    works = in_works(officer, council, challenge, 40, title="Plein ontharden")
    area = square(*CENTRE, 0.0004)[0]
    consulted = in_consultation(officer, challenge, title="Bomen erbij", site=area)
    under_review = propose(officer, challenge, title="Nog intern")
    assert under_review.status == S.UNDER_REVIEW
    propose(officer, challenge, title="Zonder plek", site=None)

    features = drawn(english_client)

    assert set(features) == {"Plein ontharden", "Bomen erbij"}
    shown = features["Plein ontharden"]
    assert shown["lines"] == ["Kind: depaving", "Stage: in progress", "Progress: 40 %"]
    assert shown["url"] == f"/interventions/{works.pk}/"
    assert json.loads(shown["geometry"])["type"] == "Point"
    # A site drawn as an area, in consultation: no progress yet.
    assert json.loads(features["Bomen erbij"]["geometry"])["type"] == "Polygon"
    assert features["Bomen erbij"]["lines"] == ["Kind: depaving", "Stage: in consultation"]
    assert features["Bomen erbij"]["colour"] != shown["colour"]
    assert consulted.pk != works.pk


def test_even_an_officer_sees_only_public_interventions_on_the_public_map(
    client, officer, council, challenge
):
    in_consultation(officer, challenge, title="Openbaar")
    propose(officer, challenge, title="Nog intern")
    client.force_login(officer)

    assert set(drawn(client)) == {"Openbaar"}


def test_completed_declined_and_cancelled_works_keep_their_stage_on_the_map(
    english_client, officer, council, challenge
):
    done = in_works(officer, council, challenge, 60, title="Klaar")
    transition(done, S.COMPLETED, actor=officer)
    stopped = in_works(officer, council, challenge, 10, title="Gestopt")
    transition(stopped, S.CANCELLED, actor=officer, note="Geen geld meer")
    declined = awaiting(officer, challenge, title="Afgewezen")
    decide(council, declined, "declined")

    features = drawn(english_client)

    assert features["Klaar"]["lines"][1:] == ["Stage: completed", "Progress: 100 %"]
    assert features["Gestopt"]["lines"][1:] == ["Stage: cancelled", "Progress: 10 %"]
    assert features["Afgewezen"]["lines"][1:] == ["Stage: declined"]


def test_interventions_of_a_challenge_back_in_draft_leave_the_map(
    english_client, officer, challenge
):
    in_consultation(officer, challenge, title="Openbaar")
    Challenge.objects.filter(pk=challenge.pk).update(status=Challenge.Status.DRAFT)

    assert drawn(english_client) == {}


def test_the_map_legend_names_every_stage_in_dutch(officer, challenge):
    in_consultation(officer, challenge, title="Openbaar")
    page = Client(HTTP_ACCEPT_LANGUAGE="nl").get("/")
    text = page.content.decode()
    legend = re.search(r'id="map-layer-legend-interventions">(.*?)</div>', text, re.S)[1]

    for stage in ("in consultatie", "in uitvoering", "afgerond"):
        assert stage in legend
    assert "afgewezen, aangehouden of geannuleerd" in legend
    assert drawn(Client(HTTP_ACCEPT_LANGUAGE="nl"))["Openbaar"]["lines"][1] == (
        "Fase: in consultatie"
    )


def test_a_challenge_map_shows_only_its_own_interventions_with_their_stage(
    english_client, municipality, officer, council, heat, challenge
):
    in_works(officer, council, challenge, 25, title="Hier")
    other = civic_services.challenge_create(
        actor=officer,
        title="Elders",
        theme=heat,
        geometry=square(CENTRE[0] + 0.02, CENTRE[1], 0.003),
    )
    transition(other, Challenge.Status.OPEN, actor=officer)
    in_consultation(
        officer, other, title="Daar", site=Point(CENTRE[0] + 0.02, CENTRE[1], srid=4326)
    )
    url = f"/challenges/{challenge.pk}/"

    features = drawn(english_client, url, "challenge-map-data")

    assert set(features) == {"Hier"}
    assert features["Hier"]["lines"][1:] == ["Stage: in progress", "Progress: 25 %"]
    page = english_client.get(url).content.decode()
    assert 'id="map-layer-legend-interventions"' in page


def test_a_challenge_without_sites_on_its_map_shows_no_intervention_legend(
    english_client, officer, challenge
):
    in_consultation(officer, challenge, title="Zonder plek", site=None)
    url = f"/challenges/{challenge.pk}/"

    assert drawn(english_client, url, "challenge-map-data") == {}
    assert 'id="map-layer-legend-interventions"' not in english_client.get(url).content.decode()
