"""Survey answers in the admin: officers only; no URL filter rebuilds an answer or a respondent."""

import pytest
from django.contrib.gis.geos import Point
from django.urls import reverse

from civic.roles import roles_sync
from surveys import answering, services
from surveys.models import Answer, Invitation, Question, Response

K = Question.Kind
# The exact spot a resident clicked, with digits that appear nowhere else.
CLICKED = (6.0613717, 52.5291234)
FREE_TEXT = "Fijn dat jullie vragen, ik woon op Dobbestraat 12"


@pytest.fixture(autouse=True)
def role_permissions(db):
    """The role groups with today's permissions (a reused test database may hold older ones)."""
    roles_sync()


@pytest.fixture
def answered(survey, q, resident, officer, neighbourhood):
    """One signed-in response with free text and an exact map point, and one unused code."""
    answering.response_submit(
        survey=survey,
        respondent=resident,
        answers={
            q[K.SINGLE_CHOICE].pk: q[K.SINGLE_CHOICE].options.first().pk,
            q[K.LONG_TEXT].pk: FREE_TEXT,
            q[K.MAP_POINT].pk: {"point": Point(*CLICKED, srid=4326), "text": "Bij de school"},
        },
        area=neighbourhood,
    )
    services.invitations_generate(actor=officer, survey=survey, count=1, area=neighbourhood)
    return Response.objects.get(respondent=resident)


def url(model, view: str = "changelist", *args) -> str:
    return reverse(f"admin:surveys_{model._meta.model_name}_{view}", args=args)


def shows_the_point(html: str) -> bool:
    return any(f"{coordinate:.5f}" in html for coordinate in CLICKED)


STAFF = ["officer", "admin_user"]


@pytest.mark.parametrize("role", STAFF)
@pytest.mark.parametrize(
    "lookup",
    ["text__regex", "text__startswith", "text", "question__text_nl__regex", "point__isnull"],
)
def test_free_text_answers_cannot_be_rebuilt_through_the_url(
    request, client, answered, role, lookup
):
    client.force_login(request.getfixturevalue(role))
    guess = "^Fijn" if "regex" in lookup else "Fijn"

    probe = client.get(url(Answer), {lookup: guess if "isnull" not in lookup else "False"})

    assert probe.status_code == 400
    assert FREE_TEXT not in probe.content.decode()


@pytest.mark.parametrize("role", STAFF)
@pytest.mark.parametrize(
    ("model", "lookup"),
    [
        (Response, "respondent"),
        (Response, "respondent__id__exact"),
        (Response, "invitation__isnull"),
        (Response, "client_hash__startswith"),
        (Answer, "response__respondent"),
        (Answer, "response"),
        (Invitation, "code__startswith"),
    ],
)
def test_responses_are_not_tied_to_accounts_or_codes_through_the_url(
    request, client, answered, resident, role, model, lookup
):
    client.force_login(request.getfixturevalue(role))
    value = {"invitation__isnull": "True", "client_hash__startswith": "a"}.get(lookup)
    value = value or (answered.pk if lookup == "response" else resident.pk)

    everything = client.get(url(model))
    probe = client.get(url(model), {lookup: value})

    assert everything.status_code == 200
    assert probe.status_code == 400


@pytest.mark.parametrize("model", [Response, Answer, Invitation])
def test_council_members_reach_no_answer_response_or_code(client, council, answered, model):
    client.force_login(council)
    row = model._default_manager.order_by("pk").first()

    pages = [
        client.get(url(model)),
        client.get(url(model), {"text__regex": "^Fijn"} if model is Answer else {}),
        client.get(url(model, "change", row.pk)),
    ]

    assert [page.status_code for page in pages] == [403, 403, 403]


def test_no_admin_page_a_council_member_opens_shows_an_answer_or_its_respondent(
    client, council, officer, answered, resident
):
    """Walk every list and every row the admin offers a council member, as they would."""
    client.force_login(council)
    index = client.get(reverse("admin:index"))
    pages = {}
    for app in index.context["app_list"]:
        for model in app["models"]:
            listing = client.get(model["admin_url"])
            pages[model["admin_url"]] = listing
            for row in listing.context["cl"].result_list:
                change = reverse(
                    f"admin:{row._meta.app_label}_{row._meta.model_name}_change", args=[row.pk]
                )
                pages[change] = client.get(change)
    client.force_login(officer)
    point_answer = answered.answers.get(point__isnull=False)
    officers_answer = client.get(url(Answer, "change", point_answer.pk))

    assert any("/surveys/survey/" in page for page in pages)
    assert {path: page.status_code for path, page in pages.items()} == dict.fromkeys(pages, 200)
    for path, page in pages.items():
        html = page.content.decode()
        assert not shows_the_point(html), path
        assert FREE_TEXT not in html, path
        assert resident.username not in html and resident.email not in html, path
    # The officers' page shows the point in the same notation looked for above.
    assert shows_the_point(officers_answer.content.decode())


def test_officers_still_find_a_response_by_its_respondent(client, officer, answered, resident):
    client.force_login(officer)

    found = client.get(url(Response), {"q": resident.email})

    assert [row.pk for row in found.context["cl"].result_list] == [answered.pk]
    assert resident.username in found.content.decode()
