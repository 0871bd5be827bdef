"""The workflow engine and the transition tables of the core models.

Every status change in the service goes through `transition()`: it locks the
row, checks the table and the actor's role, saves, writes exactly one
WorkflowEvent and queues notifications after commit. Later apps extend a
table with `workflow_for(Model).add(...)` (and their own models with
`register(Workflow(...))`) instead of writing another engine.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from civic.models import Challenge, Concern, WorkflowEvent
from civic.roles import ADMIN, OFFICER, RESIDENT, user_roles

logger = logging.getLogger(__name__)

Guard = Callable[[models.Model], str | None]


@dataclass(frozen=True)
class Transition:
    """One allowed move: from `source` to `target`, by one of `roles`."""

    source: str
    target: str
    roles: frozenset[str]
    label: Any
    requires_note: bool = False
    # Extra fields the transition may set together with the status (e.g. outcome).
    sets: tuple[str, ...] = ()
    # Returns a message when the object is not ready for this move.
    guard: Guard | None = None


@dataclass
class Workflow:
    """The transition table of one model."""

    model: type[models.Model]
    transitions: list[Transition] = field(default_factory=list)
    state_field: str = "status"

    def add(self, *transitions: Transition) -> None:
        for new in transitions:
            if self.find(new.source, new.target):
                raise ValueError(f"{new.source} → {new.target} is already in the table.")
            self.transitions.append(new)

    def find(self, source: str, target: str) -> Transition | None:
        return next(
            (t for t in self.transitions if t.source == source and t.target == target), None
        )

    def next_states(self, source: str) -> list[str]:
        return [t.target for t in self.transitions if t.source == source]

    def available_to(self, obj: models.Model, user) -> list[Transition]:
        """The moves this user may make now (for buttons and API hints)."""
        roles = user_roles(user)
        state = getattr(obj, self.state_field)
        return [t for t in self.transitions if t.source == state and roles & t.roles]


class TransitionNotAllowed(ValidationError):
    """The table has no such move; the message names the allowed next states."""

    def __init__(self, source: str, target: str, allowed: Iterable[str]):
        self.source, self.target, self.allowed = source, target, list(allowed)
        allowed_text = ", ".join(self.allowed) or str(_("none"))
        super().__init__(
            {
                "to": _(
                    "Cannot go from “%(source)s” to “%(target)s”. Allowed next states: %(allowed)s."
                )
                % {"source": source, "target": target, "allowed": allowed_text}
            }
        )


_REGISTRY: dict[type[models.Model], Workflow] = {}


def register(workflow: Workflow) -> Workflow:
    _REGISTRY[workflow.model] = workflow
    return workflow


def workflow_for(model: type[models.Model]) -> Workflow:
    return _REGISTRY[model]


def transition(
    obj: models.Model,
    target: str,
    *,
    actor,
    note: str = "",
    changes: dict[str, Any] | None = None,
) -> WorkflowEvent:
    """Move `obj` to `target` as `actor`; the only function that assigns a status.

    Raises TransitionNotAllowed (not in the table), PermissionDenied (role) or
    ValidationError (missing note, guard). Nothing is written when it raises.
    """
    workflow = workflow_for(type(obj))
    changes = changes or {}
    with transaction.atomic():
        # no_key: the lock does not block inserts of rows pointing at this one.
        locked = type(obj).objects.select_for_update(no_key=True).get(pk=obj.pk)
        source = getattr(locked, workflow.state_field)
        move = workflow.find(source, target)
        if move is None:
            raise TransitionNotAllowed(source, target, workflow.next_states(source))
        if not (user_roles(actor) & move.roles):
            raise PermissionDenied(
                _("Your role may not move this from “%(source)s” to “%(target)s”.")
                % {"source": source, "target": target}
            )
        if move.requires_note and not note.strip():
            raise ValidationError({"note": _("A note is required for this step.")})
        unexpected = set(changes) - set(move.sets)
        if unexpected:
            raise ValidationError(
                {name: _("This field cannot be changed in this step.") for name in unexpected}
            )
        missing = [name for name in move.sets if changes.get(name) in (None, "")]
        if missing:
            raise ValidationError({name: _("This field is required.") for name in missing})
        for name, value in changes.items():
            # The model field's own checks (choices, length) apply to every caller.
            try:
                changes[name] = locked._meta.get_field(name).clean(value, locked)
            except ValidationError as error:
                raise ValidationError({name: error.messages}) from None
        if move.guard and (problem := move.guard(locked)):
            raise ValidationError({"to": problem})

        setattr(locked, workflow.state_field, target)
        for name, value in changes.items():
            setattr(locked, name, value)
        update_fields = [workflow.state_field, *changes]
        if any(f.name == "updated_at" for f in locked._meta.fields):
            update_fields.append("updated_at")
        locked.save(update_fields=update_fields)
        event = WorkflowEvent.objects.create(
            actor=actor if getattr(actor, "is_authenticated", False) else None,
            content_type=ContentType.objects.get_for_model(locked),
            object_id=locked.pk,
            from_state=source,
            to_state=target,
            note=note.strip(),
        )
        transaction.on_commit(lambda: _queue_notifications(event.pk))

    setattr(obj, workflow.state_field, target)
    for name, value in changes.items():
        setattr(obj, name, value)
    return event


def record_creation(obj: models.Model, *, actor, note: str = "") -> WorkflowEvent:
    """Write the first history line (“” → initial state) when an object is created."""
    workflow = workflow_for(type(obj))
    return WorkflowEvent.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        content_type=ContentType.objects.get_for_model(obj),
        object_id=obj.pk,
        from_state="",
        to_state=getattr(obj, workflow.state_field),
        note=note,
    )


def _queue_notifications(event_id: int) -> None:
    from civic.tasks import notify_workflow_event

    try:
        notify_workflow_event.delay(event_id)
    except Exception:  # the transition is committed; losing the broker must not undo it
        # The beat sweep (civic.notifications_sweep) catches up on this event later.
        logger.warning("Could not queue notifications for event %s", event_id, exc_info=True)


# ---------------------------------------------------------------- the tables
STAFF = frozenset({OFFICER, ADMIN})


def _has_challenge(concern: models.Model) -> str | None:
    if not concern.challenges.exists():
        return str(_("Link the concern to a challenge first."))
    return None


CONCERN_WORKFLOW = register(
    Workflow(
        Concern,
        [
            Transition(Concern.Status.SUBMITTED, Concern.Status.PUBLISHED, STAFF, _("Publish")),
            Transition(
                Concern.Status.SUBMITTED,
                Concern.Status.REJECTED,
                STAFF,
                _("Reject"),
                requires_note=True,
            ),
            Transition(
                Concern.Status.PUBLISHED,
                Concern.Status.LINKED,
                STAFF,
                _("Link to challenge"),
                guard=_has_challenge,
            ),
            Transition(
                Concern.Status.PUBLISHED,
                Concern.Status.CLOSED,
                STAFF,
                _("Close"),
                sets=("outcome",),
            ),
            Transition(
                Concern.Status.LINKED, Concern.Status.CLOSED, STAFF, _("Close"), sets=("outcome",)
            ),
            # A resident sees only their own unpublished concerns, so only the author
            # can take one back before it is moderated.
            Transition(
                Concern.Status.SUBMITTED,
                Concern.Status.WITHDRAWN,
                frozenset({RESIDENT}),
                _("Withdraw"),
            ),
        ],
    )
)

CHALLENGE_WORKFLOW = register(
    Workflow(
        Challenge,
        [
            Transition(Challenge.Status.DRAFT, Challenge.Status.OPEN, STAFF, _("Open")),
            Transition(Challenge.Status.OPEN, Challenge.Status.PRIORITISED, STAFF, _("Prioritise")),
            Transition(
                Challenge.Status.PRIORITISED,
                Challenge.Status.OPEN,
                STAFF,
                _("Back to open"),
                requires_note=True,
            ),
            *(
                Transition(state, Challenge.Status.CLOSED, STAFF, _("Close"), requires_note=True)
                for state in (
                    Challenge.Status.DRAFT,
                    Challenge.Status.OPEN,
                    Challenge.Status.PRIORITISED,
                )
            ),
        ],
    )
)
