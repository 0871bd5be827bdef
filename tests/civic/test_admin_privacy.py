"""The admin is a staff tool: council members reach only public material, nobody filters by
private fields, and every account made in the admin has its own e-mail address."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.urls import reverse

from civic.models import Concern, User
from civic.roles import COUNCIL, roles_sync
from tests.factories import ConcernFactory, UserFactory

REGISTRY = sorted(admin.site._registry, key=lambda model: model._meta.label)
# What council members may read in the admin: public material and the surveys themselves.
COUNCIL_READS = {
    "civic.area",
    "civic.theme",
    "civic.concern",
    "civic.challenge",
    "civic.evidence",
    "civic.evidenceperiod",
    "surveys.survey",
    "surveys.question",
    "surveys.option",
}
PERSONAL = [model for model in REGISTRY if model._meta.label_lower not in COUNCIL_READS]


@pytest.fixture(autouse=True)
def role_permissions(db):
    """The role groups with today's permissions (a reused test database may hold older ones)."""
    roles_sync()


def url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def listed(response) -> list:
    return list(response.context["cl"].result_list)


# ---------------------------------------------------------------- council members


@pytest.mark.parametrize("model", PERSONAL, ids=lambda m: m._meta.label_lower)
def test_council_members_cannot_open_admin_modules_with_personal_data(
    client, council, every_model, model
):
    obj = model._default_manager.order_by("pk").first()
    assert obj is not None, f"no {model._meta.label_lower} row"
    client.force_login(council)

    pages = {
        "list": client.get(url(model, "changelist")),
        "row": client.get(url(model, "change", obj.pk)),
        "history": client.get(url(model, "history", obj.pk)),
    }

    assert {name: page.status_code for name, page in pages.items()} == dict.fromkeys(pages, 403)


def test_the_admin_index_offers_council_members_only_public_modules(client, council, every_model):
    client.force_login(council)

    index = client.get(reverse("admin:index"))

    offered = {
        f"{app['app_label']}.{model['object_name'].lower()}"
        for app in index.context["app_list"]
        for model in app["models"]
    }
    assert offered == COUNCIL_READS
    for model in REGISTRY:
        if model._meta.label_lower in COUNCIL_READS:
            assert client.get(url(model, "changelist")).status_code == 200, model


def test_an_older_database_loses_the_council_permissions_on_migrate(client, council, every_model):
    """Existing installations: `migrate` (run by every deploy) re-syncs the role groups."""
    group = Group.objects.get(name=COUNCIL)
    old = Permission.objects.filter(
        content_type__app_label="surveys", codename__in=["view_response", "view_answer"]
    )
    group.permissions.add(*old)
    assert User.objects.get(pk=council.pk).has_perm("surveys.view_answer")

    call_command("migrate", verbosity=0)

    assert not group.permissions.filter(pk__in=old).exists()
    assert not User.objects.get(pk=council.pk).has_perm("surveys.view_answer")
    client.force_login(council)
    assert client.get(reverse("admin:surveys_answer_changelist")).status_code == 403
    assert client.get(reverse("admin:surveys_response_changelist")).status_code == 403


def test_council_members_find_nobody_by_name_e_mail_or_answer_in_any_search(
    client, council, every_model, resident
):
    """The resident filed a public concern and two residents answered a survey with a street."""
    client.force_login(council)
    people = [resident, *every_model.respondents]
    terms = [
        *(user.username for user in people),
        *(user.email for user in people),
        every_model.answer_text,
    ]
    found = {}
    for model in REGISTRY:
        if model._meta.label_lower in COUNCIL_READS:
            for term in terms:
                page = client.get(url(model, "changelist"), {"q": term})
                found[f"{model._meta.label_lower} q={term}"] = (page.status_code, len(listed(page)))

    assert found == dict.fromkeys(found, (200, 0))


@pytest.mark.parametrize(
    ("source", "field"),
    [("civic.concern", "author"), ("surveys.response", "respondent"), ("sensors.sensor", "owner")],
)
def test_council_members_cannot_search_accounts_through_autocomplete(
    client, council, every_model, resident, source, field
):
    client.force_login(council)
    app_label, model_name = source.split(".")

    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": app_label, "model_name": model_name, "field_name": field, "term": "res"},
    )

    assert response.status_code == 403
    assert resident.username not in response.content.decode()


# ---------------------------------------------------------------- concerns by author


@pytest.mark.parametrize("role", ["council", "officer", "admin_user", "superuser"])
@pytest.mark.parametrize(
    "lookup",
    ["author", "author__id__exact", "author__email__startswith", "author__username__regex"],
)
def test_nobody_groups_concerns_by_author_through_the_url(
    request, client, every_model, resident, role, lookup
):
    client.force_login(request.getfixturevalue(role))
    value = resident.email[:4] if "email" in lookup else str(resident.pk)
    if "regex" in lookup:
        value = f"^{resident.username[:3]}"

    everything = client.get(url(Concern, "changelist"))
    by_author = client.get(url(Concern, "changelist"), {lookup: value})

    assert everything.status_code == 200
    assert by_author.status_code == 400
    assert "result_list" not in by_author.content.decode()


def test_council_members_cannot_search_concerns_by_author(client, council, officer, heat):
    author = UserFactory(username="hendrika", email="hendrika@example.test")
    ConcernFactory(author=author, theme=heat, status=Concern.Status.PUBLISHED, description="Heet")
    found = {}
    for user in (council, officer):
        client.force_login(user)
        found[user.username] = {
            term: len(listed(client.get(url(Concern, "changelist"), {"q": term})))
            for term in ("hendrika", "hendrika@example.test", "Heet")
        }

    assert found["council"] == {"hendrika": 0, "hendrika@example.test": 0, "Heet": 1}
    assert found["officer"] == {"hendrika": 1, "hendrika@example.test": 1, "Heet": 1}


# ---------------------------------------------------------------- accounts need an e-mail


def add_user(client, **fields):
    data = {
        "username": "nieuw",
        "email": "",
        "usable_password": "true",
        "password1": "Vlonder-Regenton-42",
        "password2": "Vlonder-Regenton-42",
    }
    data.update(fields)
    return client.post(reverse("admin:civic_user_add"), data)


def form_errors(response) -> dict:
    return response.context["adminform"].form.errors


def test_an_account_made_in_the_admin_gets_its_e_mail_address(client, admin_user):
    client.force_login(admin_user)

    response = add_user(client, email="nieuw@example.test")

    assert response.status_code == 302
    assert User.objects.get(username="nieuw").email == "nieuw@example.test"


def test_accounts_without_an_e_mail_address_are_a_form_error_not_a_server_error(client, admin_user):
    client.force_login(admin_user)

    first = add_user(client, username="zonder1")
    second = add_user(client, username="zonder2")

    assert (first.status_code, second.status_code) == (200, 200)
    assert set(form_errors(first)) == {"email"}
    assert set(form_errors(second)) == {"email"}
    assert not User.objects.filter(username__startswith="zonder").exists()


@pytest.mark.parametrize("typed", ["resident-a@example.test", "Resident-A@Example.TEST"])
def test_an_e_mail_address_already_in_use_is_a_form_error_in_any_case(
    client, admin_user, resident, typed
):
    client.force_login(admin_user)

    response = add_user(client, email=typed)

    assert response.status_code == 200
    assert set(form_errors(response)) == {"email"}
    assert User.objects.filter(email__iexact=resident.email).count() == 1


def test_an_account_cannot_take_another_accounts_e_mail_address_when_edited(
    client, admin_user, resident, other_resident
):
    client.force_login(admin_user)
    change = url(User, "change", other_resident.pk)
    form = client.get(change).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(
        email=resident.email.upper(),
        groups=list(other_resident.groups.values_list("pk", flat=True)),
        user_permissions=[],
        date_joined_0="2026-01-01",
        date_joined_1="10:00:00",
        last_login_0="",
        last_login_1="",
    )

    response = client.post(change, data)

    assert response.status_code == 200
    assert "email" in form_errors(response)
    other_resident.refresh_from_db()
    assert other_resident.email == "resident-b@example.test"
