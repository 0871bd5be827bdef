"""Open data: public interventions and their evaluations as CSV and GeoJSON, nothing personal."""

import csv
import io
import json

import pytest
from django.urls import reverse

from civic.models import Challenge
from interventions import services
from interventions.models import FollowUp, Intervention
from tests.factories import CENTRE, ResidentFactory
from tests.interventions.test_timeline import SECRETS, USERNAME, story

pytestmark = pytest.mark.django_db

INTERVENTIONS_CSV = reverse("interventions_open_data:interventions_csv")
INTERVENTIONS_GEOJSON = reverse("interventions_open_data:interventions_geojson")
EVALUATIONS_CSV = reverse("interventions_open_data:evaluations_csv")
API_FILES = {
    INTERVENTIONS_CSV: reverse("api-open-data-interventions-csv"),
    INTERVENTIONS_GEOJSON: reverse("api-open-data-interventions-geojson"),
    EVALUATIONS_CSV: reverse("api-open-data-evaluations-csv"),
}


def body(response) -> str:
    assert response.streaming, "open-data files are streamed"
    return b"".join(response.streaming_content).decode()


def rows(client, url, **params) -> list[dict]:
    response = client.get(url, params)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.DictReader(io.StringIO(body(response))))


def test_interventions_csv_holds_each_public_intervention_with_its_latest_measured_effect(
    client, officer, council, heat, municipality
):
    told = story(officer, council, heat, interventions=2)

    found = rows(client, INTERVENTIONS_CSV)

    assert [r["title"] for r in found] == ["Tegels eruit 0", "Tegels eruit 1"]
    first = found[0]
    assert first["id"] == str(told.depaving.pk)
    assert first["challenge_id"] == str(told.challenge.pk)
    assert first["challenge_title"] == "Hete pleinen"
    assert (first["kind"], first["status"], first["proposer_role"]) == (
        "depaving",
        "completed",
        "officer",
    )
    assert (first["actual_start"], first["actual_end"]) == ("2026-05-01", "2026-05-20")
    assert (first["support_count"], first["progress"], first["cost_estimate"]) == (
        "2",
        "100",
        "1000.0",
    )
    assert first["consultation_end"] == "2026-04-15"
    assert first["site_wkt"] == f"POINT({CENTRE[0]:g} {CENTRE[1]:g})"
    # The planted numbers of the latest run (31 July: 41 nights after).
    assert first["night_anomaly_verdict"] == "cooler"
    assert [float(first[f"night_anomaly_{k}"]) for k in ("effect", "low", "high")] == [
        -0.7,
        -0.9,
        -0.5,
    ]
    assert [
        first[f"night_anomaly_{k}"]
        for k in ("impact_sensors", "control_sensors", "nights_before", "nights_after")
    ] == ["4", "2", "41", "41"]
    assert first["night_anomaly_before_first"] == "2025-05-01"
    assert first["night_anomaly_after_last"] == "2026-09-30"
    assert first["night_anomaly_computed_at"].startswith("2026-07-31T12:")
    assert first["url"] == f"http://testserver/interventions/{told.depaving.pk}/"


def test_the_geojson_has_the_sites_as_wgs84_points_and_the_same_properties(
    client, officer, council, heat, municipality
):
    told = story(officer, council, heat)
    Intervention.objects.create(
        challenge=told.challenge,
        kind="trees",
        title="Bomen zonder plek",
        description="-",
        proposer_role="officer",
        status="agreed",
    )

    response = client.get(INTERVENTIONS_GEOJSON)
    collection = json.loads(body(response))

    assert response["Content-Type"] == "application/geo+json; charset=utf-8"
    assert collection["type"] == "FeatureCollection"
    depaving, trees = collection["features"]
    assert depaving["geometry"] == {"type": "Point", "coordinates": list(CENTRE)}
    assert depaving["id"] == depaving["properties"]["id"] == told.depaving.pk
    assert depaving["properties"]["night_anomaly_effect"] == -0.7
    assert depaving["properties"]["night_anomaly_nights_after"] == 41
    assert "site_wkt" not in depaving["properties"]
    assert trees["geometry"] is None
    assert trees["properties"]["night_anomaly_verdict"] is None


def test_evaluations_csv_keeps_every_run_oldest_first(client, officer, council, heat, municipality):
    told = story(officer, council, heat)

    found = rows(client, EVALUATIONS_CSV)

    assert [r["nights_after"] for r in found] == ["40", "41"]
    run = found[-1]
    assert run["intervention_id"] == str(told.depaving.pk)
    assert run["challenge_id"] == str(told.challenge.pk)
    assert (run["figure"], run["verdict"], run["effect"], run["low"], run["high"]) == (
        "night_anomaly",
        "cooler",
        "-0.7",
        "-0.9",
        "-0.5",
    )
    assert (run["placebo_night"], run["placebo_effect"], run["loo_min"], run["loo_max"]) == (
        "2025-07-01",
        "0.05",
        "-0.8",
        "-0.6",
    )
    assert run["method"] == "BACI"


def test_no_file_holds_a_name_a_residents_text_or_a_proposal_the_public_does_not_see(
    client, officer, council, heat, municipality
):
    officer.username, officer.first_name, officer.last_name = "olga_a", "Olga", "Ambtenaar"
    officer.save()
    told = story(officer, council, heat)

    files = [body(client.get(url)) for url in (INTERVENTIONS_CSV, INTERVENTIONS_GEOJSON)]
    files.append(body(client.get(EVALUATIONS_CSV)))

    for text in files:
        for secret in (
            *SECRETS,
            USERNAME,
            "olga_a",
            "Olga",
            "Ambtenaar",
            "Tegels eruit, bomen erin.",
        ):
            assert secret not in text
        assert f"/interventions/{told.secret.pk}/" not in text


def test_interventions_of_a_draft_challenge_are_not_published(
    client, officer, council, heat, municipality
):
    told = story(officer, council, heat)
    Challenge.objects.filter(pk=told.challenge.pk).update(status=Challenge.Status.DRAFT)

    assert rows(client, INTERVENTIONS_CSV) == []
    assert rows(client, EVALUATIONS_CSV) == []
    assert json.loads(body(client.get(INTERVENTIONS_GEOJSON)))["features"] == []


def test_filters_narrow_the_files(client, officer, council, heat, municipality):
    told = story(officer, council, heat)

    assert len(rows(client, INTERVENTIONS_CSV, challenge=told.challenge.pk, kind="depaving")) == 1
    assert rows(client, INTERVENTIONS_CSV, kind="trees") == []
    assert rows(client, EVALUATIONS_CSV, challenge=told.challenge.pk + 1) == []
    assert len(rows(client, EVALUATIONS_CSV, status="completed")) == 2


@pytest.mark.parametrize(
    "params, named",
    [
        ({"challenge": "abc"}, "challenge"),
        ({"challenge": "٣"}, "challenge"),
        ({"challenge": "0"}, "challenge"),
        ({"kind": "tree"}, "kind"),
        # A status the public never sees is no filter either.
        ({"status": "under_review"}, "status"),
        ({"format": "xlsx"}, "format"),
    ],
)
@pytest.mark.parametrize("url", [*API_FILES, *API_FILES.values()])
def test_a_bad_parameter_is_a_400_naming_it(client, db, url, params, named):
    response = client.get(url, params)

    assert response.status_code == 400
    assert list(response.json()) == [named]


def test_the_api_serves_the_same_files_documented_in_its_schema(
    client, officer, council, heat, municipality
):
    told = story(officer, council, heat)
    schema = client.get("/api/schema/?format=json").json()

    for page_url, api_url in API_FILES.items():
        params = {"challenge": told.challenge.pk}
        from_api = client.get(api_url, params, HTTP_ACCEPT="text/csv")
        assert from_api["Content-Type"] == client.get(page_url)["Content-Type"]
        assert body(from_api) == body(client.get(page_url, params))
        answers = schema["paths"][api_url]["get"]["responses"]
        media = "application/geo+json" if api_url.endswith(".geojson") else "text/csv"
        assert media in answers["200"]["content"]
        assert "400" in answers


def test_a_title_a_spreadsheet_would_run_starts_with_a_quote(
    client, officer, council, heat, municipality
):
    told = story(officer, council, heat)
    Intervention.objects.filter(pk=told.depaving.pk).update(title="=HYPERLINK(1)")

    assert rows(client, INTERVENTIONS_CSV)[0]["title"] == "'=HYPERLINK(1)"
    # GeoJSON is not opened by spreadsheets: its readers get the title as typed.
    [feature] = json.loads(body(client.get(INTERVENTIONS_GEOJSON)))["features"]
    assert feature["properties"]["title"] == "=HYPERLINK(1)"


def test_the_open_data_page_lists_every_file_and_explains_every_column(client, db):
    page = client.get(reverse("civic:open_data"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    home = client.get(reverse("civic:map"), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert f'href="{reverse("civic:open_data")}"' in home
    for url in (INTERVENTIONS_CSV, INTERVENTIONS_GEOJSON, EVALUATIONS_CSV):
        assert f'href="{url}"' in page
    header = body(client.get(INTERVENTIONS_CSV)).splitlines()[0].split(",")
    header += body(client.get(EVALUATIONS_CSV)).splitlines()[0].split(",")
    for column in header:
        assert f"<dt><code>{column}</code></dt>" in page


@pytest.mark.parametrize("size", [1, 6])
def test_the_files_cost_the_same_queries_whatever_their_size(
    client, officer, council, heat, municipality, django_assert_max_num_queries, size
):
    story(officer, council, heat, interventions=size)

    for url in API_FILES:
        # The interventions, their latest runs and their answers per chunk (4 at most).
        with django_assert_max_num_queries(4):
            text = body(client.get(url))
        records = (
            len(json.loads(text)["features"])
            if url == INTERVENTIONS_GEOJSON
            else len(text.splitlines()) - 1
        )
        # Two runs each in evaluations.csv, one row or feature each in the others.
        assert records == (2 * size if url == EVALUATIONS_CSV else size)


def test_the_open_data_page_reads_in_dutch(client, db):
    page = client.get(reverse("civic:open_data"), HTTP_ACCEPT_LANGUAGE="nl").content.decode()

    assert "Gemeten effecten van maatregelen" in page
    assert "Soort maatregel: depaving" in page
    assert "Open data" in page


def test_residents_answers_are_in_the_files_only_from_five_answers(
    client, officer, council, heat, municipality
):
    told = story(officer, council, heat)
    people = [ResidentFactory() for _ in range(6)]
    for person in people:
        services.followup_ask(told.depaving, person)

    def answers() -> tuple[dict, dict]:
        [row] = rows(client, INTERVENTIONS_CSV)
        [feature] = json.loads(body(client.get(INTERVENTIONS_GEOJSON)))["features"]
        return row, feature["properties"]

    for person, answer in zip(people[:4], ["yes", "yes", "no", "not_sure"], strict=True):
        followup = FollowUp.objects.get(intervention=told.depaving, user=person)
        services.followup_answer(followup=followup, user=None, answer=answer)
    row, properties = answers()
    # Four answers: the file says how many were asked, and nothing that counts the answers.
    assert [row[f"followup_{k}"] for k in ("asked", "answered", "yes", "no", "not_sure")] == [
        "6",
        "",
        "",
        "",
        "",
    ]
    assert (properties["followup_asked"], properties["followup_yes"]) == (6, None)

    followup = FollowUp.objects.get(intervention=told.depaving, user=people[4])
    services.followup_answer(followup=followup, user=None, answer="yes")
    row, properties = answers()
    assert [row[f"followup_{k}"] for k in ("asked", "answered", "yes", "no", "not_sure")] == [
        "6",
        "5",
        "3",
        "1",
        "1",
    ]
    assert (properties["followup_answered"], properties["followup_yes"]) == (5, 3)
    assert all(person.username not in body(client.get(INTERVENTIONS_CSV)) for person in people)
