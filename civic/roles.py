"""Roles, their groups and permissions: the one place where they are defined (apps grant theirs)."""

from collections.abc import Iterable

from django.contrib.auth.models import AnonymousUser, Group, Permission
from django.db.models import Q

RESIDENT = "resident"
OFFICER = "policy_officer"
COUNCIL = "council_member"
ADMIN = "administrator"
ALL_ROLES = (RESIDENT, OFFICER, COUNCIL, ADMIN)
STAFF_ROLES = frozenset({OFFICER, ADMIN})

# The core's own Django model permissions per role, as "app_label.codename".
# They drive the Django admin; the workflow's own role checks live in
# civic.workflow. Apps add their models' permissions with grant() from their
# AppConfig.ready(): the core names no app.
# Council members read public material; who filed what (authors, the audit
# trail of concerns, links made by officers) stays with officers.
_VIEW_PUBLIC = [
    "civic.view_area",
    "civic.view_theme",
    "civic.view_concern",
    "civic.view_challenge",
    "civic.view_evidence",
    "civic.view_evidenceperiod",
]
_VIEW_CORE = [*_VIEW_PUBLIC, "civic.view_challengeconcern", "civic.view_workflowevent"]
CORE_PERMISSIONS: dict[str, list[str]] = {
    RESIDENT: [],
    COUNCIL: _VIEW_PUBLIC,
    OFFICER: [
        *_VIEW_CORE,
        "civic.change_area",
        "civic.add_theme",
        "civic.change_theme",
        "civic.change_concern",
        "civic.add_challenge",
        "civic.change_challenge",
        "civic.add_challengeconcern",
        "civic.view_challengeconcernchange",
        "civic.add_evidenceperiod",
        "civic.view_evidencestale",
        "civic.view_notification",
    ],
    ADMIN: ["*"],
}
# The core's and what apps granted; roles_sync gives each group exactly these.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    role: list(perms) for role, perms in CORE_PERMISSIONS.items()
}


def grant(role: str, perms: Iterable[str]) -> None:
    """Give a role Django model permissions ("app_label.codename"), from an AppConfig.ready().

    Idempotent; roles_sync (after every migrate) puts them in the role's group.
    """
    if role not in ALL_ROLES:
        raise ValueError(f"Unknown role {role!r}; choose from {', '.join(ALL_ROLES)}.")
    if role == ADMIN:
        raise ValueError("Administrators hold every permission already.")
    for perm in perms:
        app_label, dot, codename = perm.partition(".")
        if not (app_label and dot and codename) or "." in codename:
            raise ValueError(f"Name a permission as 'app_label.codename', not {perm!r}.")
        if perm not in ROLE_PERMISSIONS[role]:
            ROLE_PERMISSIONS[role].append(perm)


# Roles whose members may use the Django admin.
ADMIN_SITE_ROLES = frozenset({OFFICER, ADMIN, COUNCIL})


def roles_sync() -> None:
    """Create the role groups and give each exactly its permissions (idempotent)."""
    for role, perms in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        if perms == ["*"]:
            wanted = Permission.objects.all()
        else:
            query = Q(pk__in=[])
            for perm in perms:
                app_label, codename = perm.split(".")
                query |= Q(content_type__app_label=app_label, codename=codename)
            wanted = Permission.objects.filter(query)
        group.permissions.set(wanted)


def user_roles(user) -> frozenset[str]:
    """The roles of a user, cached on the instance for the request."""
    if user is None or isinstance(user, AnonymousUser) or not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_civic_roles", None)
    if cached is None:
        names = set(user.groups.filter(name__in=ALL_ROLES).values_list("name", flat=True))
        if user.is_superuser:
            names.add(ADMIN)
        cached = frozenset(names)
        user._civic_roles = cached
    return cached


def user_has_role(user, role: str) -> bool:
    return role in user_roles(user)


def user_has_any_role(user, roles: Iterable[str]) -> bool:
    return bool(user_roles(user) & set(roles))


def is_staff_member(user) -> bool:
    """Officers and administrators: they moderate and see unpublished concerns."""
    return user_has_any_role(user, STAFF_ROLES)


def user_assign_role(user, role: str) -> None:
    """Put a user in a role's group; officers and council members also reach the admin."""
    if role not in ALL_ROLES:
        raise ValueError(f"Unknown role {role!r}; choose from {', '.join(ALL_ROLES)}.")
    group, _ = Group.objects.get_or_create(name=role)
    user.groups.add(group)
    if role in ADMIN_SITE_ROLES and not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    user.__dict__.pop("_civic_roles", None)
