"""Template context: the signed-in user's roles, their menu and unread updates."""

from django.utils.functional import SimpleLazyObject

from civic.menu import menu_for
from civic.roles import ADMIN, COUNCIL, OFFICER, RESIDENT, user_roles
from civic.selectors import notifications_unread_count


def roles(request) -> dict:
    user = getattr(request, "user", None)
    held = user_roles(user)
    return {
        "is_resident": RESIDENT in held,
        "is_officer": bool(held & {OFFICER, ADMIN}),
        "is_council": COUNCIL in held,
        # Lazy: pages that do not show the menu badge cost no query.
        "unread_notifications": SimpleLazyObject(
            lambda: (
                notifications_unread_count(user=user)
                if user is not None and user.is_authenticated
                else 0
            )
        ),
    }


def menu(request) -> dict:
    """The main menu entries this user may open (civic.menu), computed when a page shows them.

    `menu_runs` gives them as runs of one group, in order: the officers' work pages
    (five or more) fold into one "Work" entry so the menu stays two lines on a phone.
    """
    user = getattr(request, "user", None)
    items = SimpleLazyObject(lambda: menu_for(user, path=request.path))

    def runs() -> list[dict]:
        found: list[dict] = []
        for item in items:
            group = item.item.group
            if found and found[-1]["group"] == group and group:
                found[-1]["items"].append(item)
            else:
                found.append({"group": group, "items": [item]})
        for run in found:
            run["current"] = any(i.current for i in run["items"])
        return found

    return {"menu_runs": SimpleLazyObject(runs)}
