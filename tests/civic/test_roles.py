"""Role groups, their permissions and assigning a role to a user."""

import pytest
from django.contrib.auth.models import Group, Permission

from civic.roles import (
    ADMIN,
    ALL_ROLES,
    COUNCIL,
    OFFICER,
    RESIDENT,
    is_staff_member,
    roles_sync,
    user_assign_role,
    user_roles,
)
from tests.factories import UserFactory


def _codenames(role: str) -> set[str]:
    return set(
        Group.objects.get(name=role).permissions.values_list("content_type__app_label", "codename")
    )


def _permissions_by_group() -> dict[str, set[int]]:
    return {
        group.name: set(group.permissions.values_list("pk", flat=True))
        for group in Group.objects.all()
    }


def test_roles_sync_creates_the_four_groups_idempotently(db):
    Group.objects.all().delete()

    roles_sync()
    first = _permissions_by_group()
    roles_sync()

    assert sorted(Group.objects.values_list("name", flat=True)) == sorted(ALL_ROLES)
    assert _permissions_by_group() == first


def test_the_administrator_group_has_every_permission(db):
    roles_sync()

    assert Group.objects.get(name=ADMIN).permissions.count() == Permission.objects.count()


def test_officers_may_change_concerns_but_council_members_only_view_them(db):
    roles_sync()

    officer, council = _codenames(OFFICER), _codenames(COUNCIL)
    assert ("civic", "change_concern") in officer
    assert ("civic", "add_challenge") in officer
    assert ("civic", "change_concern") not in council
    assert ("civic", "view_concern") in council
    assert all(codename.startswith("view_") for _app, codename in council)
    assert not any(codename.startswith("delete_") for _app, codename in officer)


def test_residents_get_no_model_permissions(db):
    roles_sync()

    assert _codenames(RESIDENT) == set()


def test_roles_sync_removes_a_permission_given_by_hand(db):
    roles_sync()
    stray = Permission.objects.get(content_type__app_label="civic", codename="delete_concern")
    Group.objects.get(name=COUNCIL).permissions.add(stray)

    roles_sync()

    assert ("civic", "delete_concern") not in _codenames(COUNCIL)


@pytest.mark.parametrize(
    ("role", "staff"),
    [(RESIDENT, False), (OFFICER, True), (COUNCIL, True), (ADMIN, True)],
)
def test_assigning_a_role_puts_the_user_in_its_group(db, role, staff):
    user = UserFactory()
    assert not user.is_staff

    user_assign_role(user, role)

    user.refresh_from_db()
    assert user.is_staff is staff
    assert list(user.groups.values_list("name", flat=True)) == [role]
    assert user_roles(user) == {role}


def test_a_role_given_after_a_lookup_counts_at_once(db):
    user = UserFactory()
    assert user_roles(user) == frozenset()

    user_assign_role(user, OFFICER)

    assert is_staff_member(user)
    assert user.has_role(OFFICER)


def test_an_officer_gets_model_permissions_through_the_group(db):
    roles_sync()
    user = UserFactory()
    user_assign_role(user, OFFICER)

    fresh = type(user).objects.get(pk=user.pk)
    assert fresh.has_perm("civic.change_concern")
    assert not fresh.has_perm("civic.delete_concern")


def test_a_superuser_counts_as_administrator(db):
    user = UserFactory(is_superuser=True)

    assert user_roles(user) == {ADMIN}
    assert is_staff_member(user)


@pytest.mark.parametrize("role", ["mayor", "Resident", ""])
def test_an_unknown_role_is_refused(db, role):
    user = UserFactory()
    groups_before = Group.objects.count()

    with pytest.raises(ValueError, match="Unknown role"):
        user_assign_role(user, role)

    user.refresh_from_db()
    assert (user.is_staff, user.groups.count()) == (False, 0)
    assert Group.objects.count() == groups_before


# What each role may do in the admin, core and apps together (apps grant theirs
# from their AppConfig.ready): a change here is a change of who sees what.
EXPECTED = {
    RESIDENT: set(),
    COUNCIL: {
        ("civic", "view_area"),
        ("civic", "view_theme"),
        ("civic", "view_concern"),
        ("civic", "view_challenge"),
        ("civic", "view_evidence"),
        ("civic", "view_evidenceperiod"),
        ("surveys", "view_survey"),
        ("surveys", "view_question"),
        ("surveys", "view_option"),
    },
    OFFICER: {
        ("civic", "view_area"),
        ("civic", "view_theme"),
        ("civic", "view_concern"),
        ("civic", "view_challenge"),
        ("civic", "view_evidence"),
        ("civic", "view_challengeconcern"),
        ("civic", "view_workflowevent"),
        ("civic", "change_area"),
        ("civic", "add_theme"),
        ("civic", "change_theme"),
        ("civic", "change_concern"),
        ("civic", "add_challenge"),
        ("civic", "change_challenge"),
        ("civic", "add_challengeconcern"),
        ("civic", "view_challengeconcernchange"),
        ("civic", "view_evidenceperiod"),
        ("civic", "add_evidenceperiod"),
        ("civic", "view_evidencestale"),
        ("civic", "view_notification"),
        ("sensors", "view_sensor"),
        ("sensors", "add_sensor"),
        ("sensors", "change_sensor"),
        ("sensors", "view_devicetoken"),
        ("sensors", "change_devicetoken"),
        ("sensors", "view_reading"),
        ("sensors", "view_dirtyday"),
        ("surveys", "view_survey"),
        ("surveys", "add_survey"),
        ("surveys", "change_survey"),
        ("surveys", "view_question"),
        ("surveys", "add_question"),
        ("surveys", "change_question"),
        ("surveys", "view_option"),
        ("surveys", "add_option"),
        ("surveys", "change_option"),
        ("surveys", "view_invitation"),
        ("surveys", "add_invitation"),
        ("surveys", "view_response"),
        ("surveys", "view_answer"),
        ("priority", "view_weightsversion"),
        ("priority", "view_councilthemesversion"),
        ("priority", "view_score"),
        ("priority", "view_override"),
        ("priority", "view_snapshot"),
        ("interventions", "view_intervention"),
        ("interventions", "view_comment"),
        ("interventions", "view_commentreport"),
        ("interventions", "view_decision"),
        ("interventions", "view_support"),
        ("interventions", "view_milestone"),
        ("interventions", "view_impactevaluation"),
        ("interventions", "view_followup"),
    },
}


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_each_role_gets_exactly_its_permissions_from_the_core_and_the_apps(db, role):
    Group.objects.all().delete()

    roles_sync()

    assert _codenames(role) == EXPECTED[role]


def test_the_core_grants_only_its_own_models_permissions():
    from civic.roles import CORE_PERMISSIONS

    named = {perm for perms in CORE_PERMISSIONS.values() for perm in perms if perm != "*"}
    assert named
    assert {perm.split(".")[0] for perm in named} == {"civic"}


def test_a_permission_an_app_grants_reaches_the_group(db, monkeypatch):
    from civic import roles

    monkeypatch.setitem(roles.ROLE_PERMISSIONS, COUNCIL, list(roles.ROLE_PERMISSIONS[COUNCIL]))

    roles.grant(COUNCIL, ["sensors.view_sensor", "sensors.view_sensor"])
    roles_sync()

    assert ("sensors", "view_sensor") in _codenames(COUNCIL)
    assert roles.ROLE_PERMISSIONS[COUNCIL].count("sensors.view_sensor") == 1


@pytest.mark.parametrize(
    ("role", "perms", "problem"),
    [
        ("mayor", ["sensors.view_sensor"], "Unknown role"),
        (ADMIN, ["sensors.view_sensor"], "every permission"),
        (OFFICER, ["view_sensor"], "app_label.codename"),
        (OFFICER, ["sensors.models.view_sensor"], "app_label.codename"),
    ],
)
def test_a_mistaken_grant_is_refused(role, perms, problem):
    from civic.roles import ROLE_PERMISSIONS, grant

    before = {key: list(value) for key, value in ROLE_PERMISSIONS.items()}

    with pytest.raises(ValueError, match=problem):
        grant(role, perms)

    assert before == ROLE_PERMISSIONS
