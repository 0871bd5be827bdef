"""The kinds of notification a resident can switch off, registered by the core and the apps.

A workflow's Notifier names its kind (`Notifier(kind="…")`); the preferences
page lists every registered kind in the reader's language, and the notifier
skips recipients who switched that kind off. The core registers its own kinds
here; apps register theirs from their AppConfig.ready().
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class NotificationKind:
    key: str
    label: Any  # lazy text, shown on the preferences page
    explanation: Any = ""
    order: int = 100


_KINDS: dict[str, NotificationKind] = {}


def kind_register(kind: NotificationKind) -> NotificationKind:
    """Register a kind once; the same definition twice (a reloaded app) is fine."""
    existing = _KINDS.get(kind.key)
    if existing is not None and existing != kind:
        raise ValueError(f"Notification kind {kind.key!r} is already registered differently.")
    _KINDS[kind.key] = kind
    return kind


def kinds() -> list[NotificationKind]:
    return sorted(_KINDS.values(), key=lambda k: (k.order, k.key))


def kind_get(key: str) -> NotificationKind:
    return _KINDS[key]


CONCERN_UPDATES = kind_register(
    NotificationKind(
        "concern",
        _("My concerns"),
        _("When a concern you filed is published, linked to a challenge or closed."),
        order=10,
    )
)
CHALLENGE_UPDATES = kind_register(
    NotificationKind(
        "challenge",
        _("Challenges I have a stake in"),
        _("When a challenge your concern or survey answer belongs to is prioritised or closed."),
        order=20,
    )
)
