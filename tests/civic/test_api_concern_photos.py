"""photo_url works for API clients with a token, under the same rules as on the site."""

import uuid

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from civic import workflow
from civic.models import Concern
from tests.civic.conftest import image_upload
from tests.factories import CENTRE, PASSWORD

TOKEN_URL = "/api/v1/auth/token/"
URL = "/api/v1/concerns/"


# Photos go to a folder of the test's own.
pytestmark = pytest.mark.usefixtures("media_root")


def token_client(user) -> APIClient:
    """A client that signs in the way an app does: a token from the password, no session."""
    cache.clear()
    client = APIClient(REMOTE_ADDR=f"10.9.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}")
    response = client.post(TOKEN_URL, {"username": user.username, "password": PASSWORD})
    assert response.status_code == 200
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    return client


@pytest.fixture
def filed(resident, heat, neighbourhood) -> tuple[APIClient, str, int]:
    """(the author's token client, photo_url, concern id) of a concern filed with a photo."""
    author = token_client(resident)
    response = author.post(
        URL,
        {
            "theme": "heat",
            "description": "Melting asphalt",
            "latitude": CENTRE[1],
            "longitude": CENTRE[0],
            "photo": image_upload(),
        },
        format="multipart",
    )
    assert response.status_code == 201
    return author, response.json()["properties"]["photo_url"], response.json()["id"]


def _is_the_photo(response) -> bool:
    return (
        response.status_code == 200
        and response["Content-Type"] == "image/jpeg"
        and b"".join(response.streaming_content).startswith(b"\xff\xd8")
    )


def test_the_author_opens_photo_url_with_their_token(filed):
    author, photo_url, _pk = filed

    assert _is_the_photo(author.get(photo_url))


def test_the_photo_url_in_the_authors_own_listing_opens_with_the_token(filed):
    author, _photo_url, pk = filed
    [feature] = [f for f in author.get(URL).json()["features"] if f["id"] == pk]

    assert _is_the_photo(author.get(feature["properties"]["photo_url"]))


def test_an_image_only_accept_header_still_gets_the_photo(filed):
    author, photo_url, _pk = filed

    assert _is_the_photo(author.get(photo_url, HTTP_ACCEPT="image/avif,image/webp,image/*"))


def test_an_unpublished_photo_is_hidden_from_other_tokens_and_anonymous(
    filed, other_resident, council
):
    _author, photo_url, _pk = filed

    for client in (token_client(other_resident), token_client(council), APIClient()):
        response = client.get(photo_url)
        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"


def test_an_officer_with_a_token_sees_an_unpublished_photo(filed, officer):
    _author, photo_url, _pk = filed

    assert _is_the_photo(token_client(officer).get(photo_url))


def test_once_published_everyone_sees_the_photo(filed, officer, other_resident):
    _author, photo_url, pk = filed
    workflow.transition(Concern.objects.get(pk=pk), Concern.Status.PUBLISHED, actor=officer)

    assert _is_the_photo(APIClient().get(photo_url))
    assert _is_the_photo(token_client(other_resident).get(photo_url))


def test_a_wrong_token_is_refused_not_treated_as_anonymous(filed):
    _author, photo_url, _pk = filed
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)

    assert client.get(photo_url).status_code == 401


def test_the_answer_varies_with_the_token_and_stays_out_of_shared_caches(filed):
    author, photo_url, _pk = filed

    response = author.get(photo_url)

    assert "private" in response["Cache-Control"]
    assert "Authorization" in response["Vary"]
