"""Residents switch kinds of notification off on a page and through the API; others cannot."""

import pytest
from django.urls import reverse

from civic.models import NotificationPreference
from civic.notification_kinds import kinds
from tests.civic.test_pages import page_text

PAGE = "/notifications/preferences/"
API = "/api/v1/me/notification-preferences/"
SIGNED_IN = ["resident", "officer", "council", "admin_user"]


def test_the_page_and_the_api_have_the_addresses_the_menu_uses():
    assert reverse("civic:notification_preferences") == PAGE
    assert reverse("api-notification-preferences") == API


# ------------------------------------------------------------------- page
def test_the_page_needs_a_login(client, db):
    response = client.get(PAGE)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("role", SIGNED_IN)
def test_every_signed_in_role_opens_the_page_with_every_kind_on_by_default(client, request, role):
    client.force_login(request.getfixturevalue(role))

    response = client.get(PAGE, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    text = page_text(response)
    for kind in kinds():
        assert str(kind.label) in text
        assert str(kind.explanation) in text
    html = response.content.decode()
    for kind in kinds():
        assert f'name="{kind.key}"' in html
    assert html.count("checked") == len(kinds())


def test_unticking_a_kind_saves_it_off_and_the_page_shows_it(client, resident):
    client.force_login(resident)
    others = [k.key for k in kinds() if k.key != "challenge"]

    response = client.post(PAGE, dict.fromkeys(others, "on"))

    assert response.status_code == 302
    assert set(
        NotificationPreference.objects.filter(user=resident).values_list("kind", "enabled")
    ) == {("challenge", False), *((key, True) for key in others)}
    html = client.get(PAGE).content.decode()
    assert html.count("checked") == len(kinds()) - 1
    assert 'id="id_challenge">' in html
    assert 'id="id_concern" checked>' in html


def test_unticking_every_kind_switches_all_off(client, resident):
    client.force_login(resident)

    client.post(PAGE, {})

    assert sorted(
        NotificationPreference.objects.filter(user=resident, enabled=False).values_list(
            "kind", flat=True
        )
    ) == sorted(k.key for k in kinds())


# ------------------------------------------------------------------- API
def test_the_api_asks_an_anonymous_client_to_authenticate(api_as):
    assert api_as("anonymous").get(API).status_code == 401
    assert api_as("anonymous").put(API, {"concern": False}, format="json").status_code == 401
    assert not NotificationPreference.objects.exists()


@pytest.mark.parametrize("role", SIGNED_IN)
def test_every_signed_in_role_reads_its_own_settings(api_as, request, role):
    user = request.getfixturevalue(role)
    someone_else = request.getfixturevalue("other_resident")
    NotificationPreference.objects.create(user=someone_else, kind="concern", enabled=False)

    response = api_as(role).get(API, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert response.json() == {
        "kinds": [
            {
                "key": k.key,
                "label": str(k.label),
                "explanation": str(k.explanation),
                "enabled": True,
            }
            for k in kinds()
        ]
    }
    assert user != someone_else


def test_put_switches_the_named_kinds_and_keeps_the_rest(api_as, resident):
    api = api_as("resident")
    api.put(API, {"concern": False}, format="json")

    response = api.put(API, {"challenge": False}, format="json")

    assert response.status_code == 200
    shown = {k["key"]: k["enabled"] for k in response.json()["kinds"]}
    assert shown["concern"] is False and shown["challenge"] is False
    assert all(shown[k.key] for k in kinds() if k.key not in {"concern", "challenge"})
    assert api.get(API).json()["kinds"] == response.json()["kinds"]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"nonsense": False}, "nonsense"),
        ({"concern": False, "nonsense": False}, "nonsense"),
        ({"concern": "no"}, "concern"),
        ({"concern": 0}, "concern"),
        ({"concern": None}, "concern"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_nothing_changes(api_as, resident, body, field):
    response = api_as("resident").put(API, body, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not NotificationPreference.objects.exists()


def test_the_api_reads_json_only(api_as, resident):
    response = api_as("resident").put(API, {"concern": "false"})  # multipart form

    assert response.status_code == 415
    assert not NotificationPreference.objects.exists()


def test_a_session_client_needs_its_csrf_token_to_change_settings(resident):
    from rest_framework.test import APIClient

    client = APIClient(enforce_csrf_checks=True)
    client.force_login(resident)

    response = client.put(API, {"concern": False}, format="json")

    assert response.status_code == 403
    assert not NotificationPreference.objects.exists()
