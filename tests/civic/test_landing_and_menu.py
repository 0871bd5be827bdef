"""After login each role lands on its own page, and the menu offers only what the role may open."""

import re

import pytest
from django.urls import reverse

from civic import menu
from civic.menu import AUTHENTICATED, MenuItem, landing_register, menu_items
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
ROLES = ["anonymous", "resident", "officer", "council", "admin_user"]
LANDS_ON = {
    "resident": "/concerns/mine/",
    "officer": "/moderation/",
    "admin_user": "/moderation/",
    # Not "my concerns" (empty for them): the ranking the priority app registers.
    "council": "/priority/",
}


@pytest.fixture
def clean_registry():
    saved = dict(menu._MENU), list(menu._LANDINGS)
    yield
    menu._MENU.clear()
    menu._MENU.update(saved[0])
    menu._LANDINGS[:] = saved[1]


def _log_in(client, user, **extra):
    return client.post(LOGIN, {"login": user.username, "password": PASSWORD, **extra})


def _landing(client, response) -> str:
    """Follow the login's redirects inside the service; the first page that is not one."""
    location = response["Location"]
    for _ in range(5):
        if not location.startswith("/"):
            return location
        answer = client.get(location)
        if answer.status_code != 302:
            assert answer.status_code == 200, location
            return location
        location = answer["Location"]
    raise AssertionError("redirect loop")


def _menu_links(response) -> list[str]:
    html = response.content.decode()
    nav = re.search(r'<header class="site-header">.*?<nav [^>]*>(.*?)</nav>', html, re.S)
    assert nav, "the page has no main menu"
    return re.findall(r'<a href="([^"]+)"', nav.group(1))


def _sign_in(client, request, role):
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))


# ------------------------------------------------------------------ landing
@pytest.mark.parametrize("role", sorted(LANDS_ON))
def test_each_role_lands_on_its_own_page_after_login(client, request, role):
    user = request.getfixturevalue(role)

    response = _log_in(client, user)

    assert response.status_code == 302
    assert _landing(client, response) == LANDS_ON[role]


def test_a_council_member_does_not_land_on_my_concerns(client, council):
    assert _landing(client, _log_in(client, council)) != reverse("civic:concern_mine")


@pytest.mark.parametrize("role", ["resident", "officer", "council"])
def test_a_safe_next_wins_over_the_landing(client, request, role):
    response = _log_in(client, request.getfixturevalue(role), next="/sensors/")

    assert response["Location"] == "/sensors/"


@pytest.mark.parametrize(
    "unsafe", ["https://evil.example/", "//evil.example/", "http://testserver.evil.example/"]
)
def test_an_unsafe_next_is_ignored_for_the_landing(client, officer, unsafe):
    response = _log_in(client, officer, next=unsafe)

    assert "evil" not in response["Location"]
    assert _landing(client, response) == "/moderation/"


def test_the_start_page_needs_a_login(client, db):
    response = client.get("/start/")

    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_a_role_with_two_roles_lands_on_the_more_specific_one(client, officer):
    from civic.roles import RESIDENT, user_assign_role

    user_assign_role(officer, RESIDENT)

    assert _landing(client, _log_in(client, officer)) == "/moderation/"


def test_an_app_claims_a_roles_landing_with_a_lower_order(client, council, clean_registry):
    landing_register("council_member", "civic:notifications", order=5)

    assert _landing(client, _log_in(client, council)) == "/notifications/"


def test_a_landing_for_an_unknown_role_is_refused(clean_registry):
    with pytest.raises(ValueError, match="Unknown role"):
        landing_register("mayor", "civic:map")


# ------------------------------------------------------------------ menu
@pytest.mark.parametrize("role", ROLES)
def test_every_menu_link_opens_for_the_role_and_no_entry_it_cannot_open_is_shown(
    client, request, role
):
    _sign_in(client, request, role)

    shown = _menu_links(client.get("/", HTTP_ACCEPT_LANGUAGE="en"))

    entries = {reverse(item.url_name) for item in menu_items()}
    assert set(shown) <= entries | {LOGIN, "/accounts/signup/"}
    for url in sorted(entries):
        status = client.get(url).status_code
        if status != 200:
            assert url not in shown, f"{role} is offered {url}, which answers {status}"
    for url in shown:
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize(
    "role, expected",
    [
        (
            "anonymous",
            ["/", "/surveys/", "/sensors/", "/challenges/", "/interventions/", "/open-data/"],
        ),
        (
            "resident",
            [
                "/",
                "/surveys/",
                "/sensors/",
                "/challenges/",
                "/interventions/",
                "/open-data/",
                "/concerns/new/",
                "/concerns/mine/",
                "/notifications/",
            ],
        ),
        (
            "council",
            [
                "/",
                "/surveys/",
                "/sensors/",
                "/challenges/",
                "/priority/",
                "/interventions/",
                "/open-data/",
                "/notifications/",
                "/admin/",
            ],
        ),
        (
            "officer",
            [
                "/",
                "/surveys/",
                "/sensors/",
                "/challenges/",
                "/priority/",
                "/interventions/",
                "/open-data/",
                "/concerns/new/",
                "/concerns/mine/",
                "/notifications/",
                "/moderation/",
                "/grouping/",
                "/surveys/manage/",
                "/interventions/moderation/",
                "/interventions/progress-file/",
                "/sensors/upload/",
                "/priority/weights/",
                "/admin/",
            ],
        ),
    ],
)
def test_the_menu_of_each_role_in_order(client, request, role, expected):
    _sign_in(client, request, role)

    shown = _menu_links(client.get("/", HTTP_ACCEPT_LANGUAGE="en"))

    assert [url for url in shown if not url.startswith("/accounts/")] == expected


def test_council_members_are_not_offered_filing_a_concern_which_they_may_not(client, council):
    client.force_login(council)

    shown = _menu_links(client.get("/", HTTP_ACCEPT_LANGUAGE="en"))

    assert client.get("/concerns/new/").status_code == 403
    assert "/concerns/new/" not in shown
    assert "/concerns/mine/" not in shown


def test_the_menu_marks_the_page_shown(client, resident):
    client.force_login(resident)

    html = client.get("/notifications/").content.decode()

    assert '<a href="/notifications/" aria-current="page">' in html
    assert html.count('aria-current="page"') == 1


def test_an_app_adds_an_entry_for_some_roles(client, resident, council, clean_registry):
    menu.menu_register(
        MenuItem("extra", "Extra page", "civic:notification_preferences", {"council_member"})
    )

    client.force_login(council)
    assert "/notifications/preferences/" in _menu_links(client.get("/"))
    client.force_login(resident)
    assert "/notifications/preferences/" not in _menu_links(client.get("/"))


def test_a_menu_entry_names_known_roles_only():
    with pytest.raises(ValueError, match="unknown roles"):
        MenuItem("x", "X", "civic:map", {"councillor"})
    assert MenuItem("x", "X", "civic:map", {AUTHENTICATED}).roles == frozenset({AUTHENTICATED})


def test_a_key_is_registered_once(clean_registry):
    with pytest.raises(ValueError, match="already registered"):
        menu.menu_register(MenuItem("map", "Another map", "civic:notifications"))


def test_the_moderation_queue_links_to_the_officers_other_work(client, officer):
    client.force_login(officer)

    html = client.get("/moderation/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    work = re.search(r'<nav aria-label="Other work" class="work-links">(.*?)</nav>', html, re.S)
    assert work, "the moderation queue links to no other work"
    links = re.findall(r'<a href="([^"]+)">', work.group(1))
    assert links == [
        "/grouping/",
        "/surveys/manage/",
        "/interventions/moderation/",
        "/interventions/progress-file/",
        "/sensors/upload/",
        "/priority/weights/",
    ]


def test_the_officers_work_pages_fold_into_one_work_entry(client, officer, resident):
    client.force_login(officer)
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    folded = re.search(r'<li class="menu-group">\s*<details>(.*?)</details>', html, re.S)
    assert folded and "<summary>Work</summary>" in folded.group(1)
    links = re.findall(r'<a href="([^"]+)"', folded.group(1))
    assert links[0] == "/moderation/" and "/priority/weights/" in links

    client.force_login(resident)
    assert 'class="menu-group"' not in client.get("/").content.decode()
