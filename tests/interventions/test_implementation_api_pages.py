"""The implementation through the API and the pages: fields, milestones, photos, the CSV file."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from civic.models import Challenge
from civic.workflow import transition
from interventions import services
from tests.interventions.conftest import S, agreed, as_user, awaiting, decide, jpeg_with_gps

# Photos go to a media folder of each test's own.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]


def test_officers_follow_the_works_through_the_api(officer, council, resident, challenge):
    works = agreed(officer, council, challenge)
    url = f"/api/v1/interventions/{works.pk}/"
    answer = as_user(resident).post(url + "implementation/", {"progress": 10}, format="json")
    assert answer.status_code == 403
    answer = as_user(officer).post(url + "implementation/", {"progress": 101}, format="json")
    assert answer.status_code == 400 and "progress" in answer.json()
    answer = as_user(officer).post(
        url + "implementation/", {"progress": 20, "planned_end": "2026-09-01"}, format="json"
    )
    assert answer.status_code == 200
    body = answer.json()["properties"]
    assert (body["progress"], body["planned_end"]) == (20, "2026-09-01")
    answer = as_user(officer).post(url + "transition/", {"to": "in_progress"}, format="json")
    assert answer.status_code == 200
    assert answer.json()["properties"]["actual_start"] is not None
    answer = as_user(council).post(url + "transition/", {"to": "completed"}, format="json")
    assert answer.status_code == 403


def test_milestones_through_the_api_lose_exif_and_follow_visibility(
    client, officer, council, resident, challenge
):
    works = agreed(officer, council, challenge)
    url = f"/api/v1/interventions/{works.pk}/milestones/"
    refused = as_user(resident).post(url, {"date": "2026-05-01", "title": "X"}, format="json")
    assert refused.status_code == 403
    made = as_user(officer).post(
        url,
        {"date": "2026-05-01", "title": "Tegels eruit", "photo": jpeg_with_gps()},
        format="multipart",
    )
    assert made.status_code == 201, made.content
    photo_url = made.json()["photo_url"]
    assert "created_by" not in made.json()
    listed = as_user().get(url)
    assert [m["title"] for m in listed.json()] == ["Tegels eruit"]
    photo = as_user().get(photo_url)
    assert photo.status_code == 200
    stored = b"".join(photo.streaming_content)
    assert b"Acme Phones" not in stored and stored[:2] == b"\xff\xd8"
    # A challenge back in draft hides its interventions: the photo with them.
    Challenge.objects.filter(pk=challenge.pk).update(status=Challenge.Status.DRAFT)
    client.force_login(resident)
    assert client.get(photo_url).status_code == 404
    client.force_login(officer)
    assert client.get(photo_url).status_code == 200


def test_a_milestone_on_a_declined_intervention_is_a_400_naming_it(officer, council, challenge):
    declined = awaiting(officer, challenge)
    decide(council, declined, "declined")
    answer = as_user(officer).post(
        f"/api/v1/interventions/{declined.pk}/milestones/",
        {"date": "2026-05-01", "title": "Start"},
        format="json",
    )
    assert answer.status_code == 400
    assert "intervention" in answer.json()


def test_the_progress_file_through_the_api_is_all_or_nothing(officer, council, challenge):
    works = agreed(officer, council, challenge)
    bad = SimpleUploadedFile("p.csv", f"id,progress\n{works.pk},150\n".encode(), "text/csv")
    answer = as_user(officer).post(
        "/api/v1/interventions/progress-file/", {"file": bad}, format="multipart"
    )
    assert answer.status_code == 400
    assert answer.json()["rows"][0].startswith("Line 2, progress:")
    good = SimpleUploadedFile("p.csv", f"id,progress\n{works.pk},15\n".encode(), "text/csv")
    answer = as_user(officer).post(
        "/api/v1/interventions/progress-file/", {"file": good}, format="multipart"
    )
    assert answer.json() == {"updated": 1}
    works.refresh_from_db()
    assert works.progress == 15


def test_the_progress_file_page_names_bad_rows_and_saves_nothing(
    client, officer, council, resident, challenge
):
    works = agreed(officer, council, challenge)
    client.force_login(resident)
    assert client.get(reverse("interventions:progress_file")).status_code == 403
    client.force_login(officer)
    bad = SimpleUploadedFile("p.csv", f"id,step\n{works.pk},flying\n".encode(), "text/csv")
    page = client.post(reverse("interventions:progress_file"), {"file": bad})
    assert page.status_code == 400
    assert "Regel 2, step:" in page.content.decode()  # the pages speak Dutch
    works.refresh_from_db()
    assert works.status == S.AGREED


def test_the_pages_show_progress_milestones_and_the_public_cancel_reason(
    client, officer, council, resident, challenge
):
    works = agreed(officer, council, challenge, title="Plein vergroenen")
    transition(works, S.IN_PROGRESS, actor=officer)
    services.implementation_update(intervention=works, actor=officer, progress=45)
    services.milestone_add(
        intervention=works, actor=officer, date=date(2026, 5, 2), title="Eerste tegels <b>eruit"
    )
    client.force_login(resident)
    page = client.get(reverse("interventions:detail", args=[works.pk])).content.decode()
    assert "45 %" in page
    assert "Eerste tegels &lt;b&gt;eruit" in page
    # Residents read the milestones (the pages speak Dutch) and get no officer's form.
    assert 'action="/interventions/' not in page.split("Mijlpalen")[1].split("Verloop")[0]
    challenge_page = client.get(reverse("civic:challenge_detail", args=[challenge.pk]))
    text = challenge_page.content.decode()
    assert "Plein vergroenen" in text and "45 % klaar" in text

    other = agreed(officer, council, challenge, title="Bomen")
    transition(other, S.CANCELLED, actor=officer, note="De grond is vervuild.")
    page = client.get(reverse("interventions:detail", args=[other.pk])).content.decode()
    assert "De grond is vervuild." in page


def test_an_officer_adds_a_milestone_on_the_page(client, officer, council, challenge):
    works = agreed(officer, council, challenge)
    client.force_login(officer)
    answer = client.post(
        reverse("interventions:milestone_add", args=[works.pk]),
        {"date": "2026-05-02", "title": "Start", "photo": jpeg_with_gps()},
    )
    assert answer.status_code == 302
    milestone = works.milestones.get()
    assert b"Acme Phones" not in milestone.photo.open("rb").read()
