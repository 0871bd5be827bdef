"""Template context: the signed-in user's roles, for menus."""

from civic.roles import ADMIN, COUNCIL, OFFICER, RESIDENT, user_roles


def roles(request) -> dict:
    held = user_roles(getattr(request, "user", None))
    return {
        "is_resident": RESIDENT in held,
        "is_officer": bool(held & {OFFICER, ADMIN}),
        "is_council": COUNCIL in held,
    }
