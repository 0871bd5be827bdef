"""Which kinds of notification a user receives: read and set, for the page and the API."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from civic.models import NotificationPreference, User
from civic.notification_kinds import NotificationKind, kinds


@dataclass(frozen=True)
class KindChoice:
    """One registered kind and whether this user receives it."""

    kind: NotificationKind
    enabled: bool


def notification_preferences_of(*, user: User) -> list[KindChoice]:
    """Every registered kind, in order, with the user's choice (on unless switched off)."""
    switched_off = set(
        NotificationPreference.objects.filter(user=user, enabled=False).values_list(
            "kind", flat=True
        )
    )
    return [KindChoice(kind, kind.key not in switched_off) for kind in kinds()]


def notification_preferences_set(*, user: User, choices: dict[str, bool]) -> list[KindChoice]:
    """Switch kinds on or off; kinds not named keep their setting. All or nothing.

    An unknown kind is refused by name (a 400 in the API), and nothing is written.
    """
    known = {kind.key for kind in kinds()}
    unknown = sorted(set(choices) - known)
    if unknown:
        raise ValidationError(
            {key: [_("There is no notification of this kind.")] for key in unknown}
        )
    with transaction.atomic():
        for key, enabled in choices.items():
            NotificationPreference.objects.update_or_create(
                user=user, kind=key, defaults={"enabled": bool(enabled)}
            )
    return notification_preferences_of(user=user)
