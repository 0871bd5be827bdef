"""The main menu and the page each role lands on after login, registered by the core and the apps.

Each AppConfig.ready() registers its own entries (`menu_register`) and may
claim a role's landing page (`landing_register`): the core names no app, and
the menu shows a user only the entries their roles may open.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from civic.roles import ADMIN, ALL_ROLES, COUNCIL, OFFICER, RESIDENT, user_roles

# Any signed-in user, whatever their role (or none).
AUTHENTICATED = "authenticated"
# A page of an officer's daily work: also linked from the moderation queue.
WORK = "work"


@dataclass(frozen=True)
class MenuItem:
    """An entry of the main menu: shown, in `order`, to everyone or to the given roles."""

    key: str
    label: Any  # lazy text
    url_name: str
    # None: everyone, signed in or not; else the roles (or AUTHENTICATED) that see it.
    roles: frozenset[str] | None = None
    order: int = 100
    # Show the number of unread notifications next to the label.
    shows_unread: bool = False
    # Grouping beyond the menu (WORK: linked from the officers' moderation queue).
    group: str = ""

    def __post_init__(self) -> None:
        if self.roles is not None:
            object.__setattr__(self, "roles", frozenset(self.roles))
            unknown = self.roles - {*ALL_ROLES, AUTHENTICATED}
            if unknown:
                raise ValueError(f"Menu item {self.key!r}: unknown roles {sorted(unknown)}.")

    def visible_to(self, user) -> bool:
        if self.roles is None:
            return True
        if not getattr(user, "is_authenticated", False):
            return False
        return AUTHENTICATED in self.roles or bool(self.roles & user_roles(user))


@dataclass(frozen=True)
class ShownItem:
    """A menu entry for one reader: its item, its address and whether it is the page shown."""

    item: MenuItem
    url: str
    current: bool

    @property
    def key(self) -> str:
        return self.item.key

    @property
    def label(self) -> Any:
        return self.item.label

    @property
    def shows_unread(self) -> bool:
        return self.item.shows_unread


@dataclass(frozen=True)
class Landing:
    """Where a role lands after login; the lowest order among the user's roles wins."""

    role: str
    url_name: str
    order: int = 100


_MENU: dict[str, MenuItem] = {}
_LANDINGS: list[Landing] = []


def menu_register(*items: MenuItem) -> None:
    """Add entries to the main menu (from an AppConfig.ready()); a key is registered once."""
    for item in items:
        existing = _MENU.get(item.key)
        if existing is not None and existing != item:
            raise ValueError(f"Menu item {item.key!r} is already registered differently.")
        _MENU[item.key] = item


def landing_register(role: str, url_name: str, order: int = 100) -> None:
    """Claim where `role` lands after login; a lower order wins over the core's default."""
    if role not in ALL_ROLES:
        raise ValueError(f"Unknown role {role!r}; choose from {', '.join(ALL_ROLES)}.")
    landing = Landing(role, url_name, order)
    if landing not in _LANDINGS:
        _LANDINGS.append(landing)


def menu_items() -> list[MenuItem]:
    return sorted(_MENU.values(), key=lambda item: (item.order, item.key))


def menu_for(user, *, path: str = "", group: str = "") -> list[ShownItem]:
    """The entries this user may open, in order (only those of `group`, when given)."""
    shown = []
    for item in menu_items():
        if group and item.group != group:
            continue
        if item.visible_to(user):
            url = reverse(item.url_name)
            shown.append(ShownItem(item, url, current=path == url))
    return shown


def landing_for(user) -> str:
    """The path this user lands on after login: their roles' best landing, else the map."""
    held = user_roles(user)
    claims = sorted(
        (landing for landing in _LANDINGS if landing.role in held),
        key=lambda landing: landing.order,
    )
    return reverse(claims[0].url_name if claims else "civic:map")


# ---------------------------------------------------------------- the core's own
FILERS = frozenset({RESIDENT, OFFICER, ADMIN})
STAFF = frozenset({OFFICER, ADMIN})

menu_register(
    MenuItem("map", _("Map"), "civic:map", order=10),
    MenuItem("challenges", _("Challenges"), "civic:challenge_list", order=40),
    MenuItem("open_data", _("Open data"), "civic:open_data", order=80),
    # Officers file concerns too (a phone call, a letter); council members do not.
    MenuItem("concern_new", _("File a concern"), "civic:concern_new", FILERS, order=100),
    MenuItem("concern_mine", _("My concerns"), "civic:concern_mine", FILERS, order=110),
    MenuItem(
        "notifications",
        _("Notifications"),
        "civic:notifications",
        frozenset({AUTHENTICATED}),
        order=120,
        shows_unread=True,
    ),
    MenuItem("moderation", _("Moderation"), "civic:moderation", STAFF, order=200, group=WORK),
    MenuItem("grouping", _("Group concerns"), "civic:grouping", STAFF, order=205, group=WORK),
    # Council members read the public modules of the admin (civic.roles).
    MenuItem("admin", _("Admin"), "admin:index", frozenset({OFFICER, COUNCIL, ADMIN}), order=900),
)
# A resident who is also an officer lands on the officer's work: the more specific role.
landing_register(OFFICER, "civic:moderation", order=100)
landing_register(ADMIN, "civic:moderation", order=100)
landing_register(RESIDENT, "civic:concern_mine", order=300)
# Until an app claims it (the ranking), council members land on the challenges:
# "my concerns" is empty for them.
landing_register(COUNCIL, "civic:challenge_list", order=1000)
