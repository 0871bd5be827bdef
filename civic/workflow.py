"""The workflow engine and the transition tables of the core models.

Every status change in the service goes through `transition()` (or, for a
batch job, `transition_many()`): it locks the row, checks the table, the
actor's role and the move's object rule, saves, writes exactly one
WorkflowEvent per object and queues notifications after commit. Later apps
extend a table with `workflow_for(Model).add(...)` and register their own
models with `register(Workflow(..., notifier=...))`: the workflow says whom
its events notify, so the core never asks what kind of object moved.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.dispatch import Signal
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from civic.challenge_parts import stakeholders_of
from civic.models import Challenge, ChallengeConcern, Concern, User, WorkflowEvent
from civic.notification_kinds import CHALLENGE_UPDATES, CONCERN_UPDATES
from civic.roles import ADMIN, OFFICER, RESIDENT, user_roles

logger = logging.getLogger(__name__)

# Sent inside the transition's transaction, after its event is saved, with
# sender=the model, obj=the moved (locked) object and event=its WorkflowEvent.
# A receiver records what belongs to the move (e.g. a snapshot) atomically with it;
# raising ValidationError refuses the move and nothing is written.
transitioned = Signal()

Guard = Callable[[models.Model], str | None]
# (object, actor) -> a refusal message, or None when this actor may make the move.
Rule = Callable[[models.Model, Any], str | None]


@dataclass(frozen=True)
class Transition:
    """One allowed move: from `source` to `target`, by one of `roles` (or by the system)."""

    source: str
    target: str
    roles: frozenset[str]
    label: Any
    requires_note: bool = False
    # Extra fields the transition may set together with the status (e.g. outcome).
    sets: tuple[str, ...] = ()
    # Returns a message when the object is not ready for this move.
    guard: Guard | None = None
    # Who, among the roles, may make the move on this object (e.g. only its author).
    rule: Rule | None = None
    # A move the service makes by itself (a job, an ingest): transition(..., actor=None).
    # The event is recorded without an actor. A user still needs one of `roles`.
    system: bool = False


DEFAULT_MAIL_SUBJECT = _("Update from the participation service")


@dataclass(frozen=True)
class Notifier:
    """Whom a workflow's events notify, and with what message.

    `recipients(event)` answers (user, link) pairs; the core drops the actor and
    inactive accounts. `message(event)` is called once per recipient with their
    language active; the core appends the event's note. `mail_subject` is the
    subject of the e-mail copy, also in the recipient's language.
    """

    recipients: Callable[[WorkflowEvent], Iterable[tuple[User, str]]]
    message: Callable[[WorkflowEvent], str]
    mail_subject: Any = DEFAULT_MAIL_SUBJECT
    # The kind of message (civic.notification_kinds.kind_register): residents switch
    # kinds off on their preferences page. None: a message that cannot be switched off.
    kind: str | None = None
    # The note appended to the message (default: the event's note); a notifier whose
    # message already says what the note says returns "" for that event.
    note: Callable[[WorkflowEvent], str] | None = None


def _nobody(event: WorkflowEvent) -> list[tuple[User, str]]:
    return []


# For workflows whose events tell nobody (say so explicitly when registering).
NOTIFY_NOBODY = Notifier(recipients=_nobody, message=lambda event: "")


@dataclass
class Workflow:
    """The transition table of one model, and whom its events notify."""

    model: type[models.Model]
    transitions: list[Transition] = field(default_factory=list)
    state_field: str = "status"
    notifier: Notifier | None = None
    # Events whose subject ties a person to something they gave in confidence (an
    # anonymous answer): staff tools that list events and notifications leave them out
    # for everyone but superusers, so the audit trail cannot be walked back to the person.
    confidential: bool = False

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
        """The moves this user may make now (for buttons and API hints); rules included."""
        state = getattr(obj, self.state_field)
        return [
            t
            for t in self.transitions
            if t.source == state and _refusal(t, obj, user, source=state) is None
        ]


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
    # Explicit even when nobody hears: a forgotten notifier would silently drop messages.
    if workflow.notifier is None:
        raise ValueError(
            f"The {workflow.model.__name__} workflow needs a notifier= "
            "(NOTIFY_NOBODY if its events tell nobody)."
        )
    _REGISTRY[workflow.model] = workflow
    return workflow


def workflow_for(model: type[models.Model]) -> Workflow:
    return _REGISTRY[model]


def confidential_models() -> list[type[models.Model]]:
    """Models whose workflow is confidential (see Workflow.confidential)."""
    return [model for model, workflow in _REGISTRY.items() if workflow.confidential]


def _refusal(move: Transition, obj: models.Model, actor, *, source: str) -> str | None:
    """Why `actor` may not make `move` on `obj` (None: they may).

    `actor=None` is the service itself, allowed only the moves marked `system`;
    an anonymous visitor is never None (views pass request.user).
    """
    if actor is None:
        if move.system:
            return None
        return str(_("This step is taken by a person, not by the service itself."))
    if not (user_roles(actor) & move.roles):
        return str(
            _("Your role may not move this from “%(source)s” to “%(target)s”.")
            % {"source": source, "target": move.target}
        )
    if move.rule is not None:
        return move.rule(obj, actor)
    return None


def _checked_move(workflow: Workflow, locked: models.Model, target: str, actor, note: str):
    """The move from the locked object's state to `target`, or the error that refuses it."""
    source = getattr(locked, workflow.state_field)
    move = workflow.find(source, target)
    if move is None:
        raise TransitionNotAllowed(source, target, workflow.next_states(source))
    if problem := _refusal(move, locked, actor, source=source):
        raise PermissionDenied(problem)
    if move.requires_note and not note.strip():
        raise ValidationError({"note": _("A note is required for this step.")})
    return move


_RECORDED_AT: ContextVar[datetime | None] = ContextVar("civic_recorded_at", default=None)


@contextmanager
def recorded_at(moment: datetime) -> Iterator[None]:
    """Date the events (and link changes) recorded inside at `moment` instead of now.

    For the demo, whose story happened in a past summer, and for importing a past
    that was recorded elsewhere (a council's minutes on paper); never in a request.
    The rows stay append-only: this chooses their date once, when they are written.
    """
    token = _RECORDED_AT.set(moment)
    try:
        yield
    finally:
        _RECORDED_AT.reset(token)


def record_time() -> datetime:
    """Now, or the moment of an enclosing recorded_at()."""
    return _RECORDED_AT.get() or timezone.now()


def _event(locked: models.Model, *, actor, source: str, target: str, note: str) -> WorkflowEvent:
    return WorkflowEvent(
        at=record_time(),
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        content_type=ContentType.objects.get_for_model(locked),
        object_id=locked.pk,
        from_state=source,
        to_state=target,
        note=note.strip(),
    )


def transition(
    obj: models.Model,
    target: str,
    *,
    actor,
    note: str = "",
    changes: dict[str, Any] | None = None,
) -> WorkflowEvent:
    """Move `obj` to `target` as `actor`; the only function that assigns a status.

    `actor=None` is the service itself (a job, an ingest): only moves marked
    `system` allow it. Raises TransitionNotAllowed (not in the table),
    PermissionDenied (role or object rule) or ValidationError (missing note,
    a field, guard). Nothing is written when it raises.
    """
    workflow = workflow_for(type(obj))
    changes = changes or {}
    with transaction.atomic():
        # no_key: the lock does not block inserts of rows pointing at this one.
        locked = type(obj).objects.select_for_update(no_key=True).get(pk=obj.pk)
        source = getattr(locked, workflow.state_field)
        move = _checked_move(workflow, locked, target, actor, note)
        unexpected = set(changes) - set(move.sets)
        if unexpected:
            raise ValidationError(
                {name: _("This field cannot be changed in this step.") for name in unexpected}
            )
        missing = [name for name in move.sets if changes.get(name) in (None, "")]
        if missing:
            raise ValidationError({name: _("This field is required.") for name in missing})
        attnames = {}
        for name, value in changes.items():
            # The model field's own checks (choices, length, a related row that
            # exists) apply to every caller; a related object goes in as its key.
            model_field = locked._meta.get_field(name)
            raw = value.pk if isinstance(value, models.Model) else value
            try:
                changes[name] = model_field.clean(raw, locked)
            except ValidationError as error:
                raise ValidationError({name: error.messages}) from None
            attnames[name] = model_field.attname
        if move.guard and (problem := move.guard(locked)):
            raise ValidationError({"to": problem})

        setattr(locked, workflow.state_field, target)
        for name, value in changes.items():
            setattr(locked, attnames[name], value)
        update_fields = [workflow.state_field, *changes]
        if any(f.name == "updated_at" for f in locked._meta.fields):
            update_fields.append("updated_at")
        locked.save(update_fields=update_fields)
        event = _event(locked, actor=actor, source=source, target=target, note=note)
        event.save()
        transitioned.send(sender=type(locked), obj=locked, event=event)
        transaction.on_commit(lambda: _queue_notifications(event.pk))

    setattr(obj, workflow.state_field, target)
    for name, value in changes.items():
        setattr(obj, attnames[name], value)
    return event


def transition_many(
    queryset: models.QuerySet, target: str, *, actor, note: str = ""
) -> list[WorkflowEvent]:
    """Move every object of `queryset` to `target` in one set-based step; one event each.

    For jobs over many rows (a sensor falling silent): the rows are locked with
    SKIP LOCKED, so one being changed right now (an ingest) is left for the
    next run rather than waited for; the queryset's filter holds at lock time.
    Every locked row is checked as transition() checks it (table, role or
    system, rule, note, guard) and nothing is written if one is refused. Moves
    that set fields are not supported here, and the rows are updated without
    save(): use it for models whose save() does nothing more.
    """
    workflow = workflow_for(queryset.model)
    with transaction.atomic():
        rows = queryset.select_for_update(no_key=True, skip_locked=True, of=("self",))
        locked = list(rows.order_by("pk"))
        if not locked:
            return []
        events = []
        for obj in locked:
            move = _checked_move(workflow, obj, target, actor, note)
            if move.sets:
                raise ValueError(f"{move.source} → {target} sets fields: use transition().")
            if move.guard and (problem := move.guard(obj)):
                raise ValidationError({"to": problem})
            events.append(_event(obj, actor=actor, source=move.source, target=target, note=note))
        values = {workflow.state_field: target}
        if any(f.name == "updated_at" for f in queryset.model._meta.fields):
            values["updated_at"] = timezone.now()
        queryset.model.objects.filter(pk__in=[obj.pk for obj in locked]).update(**values)
        events = WorkflowEvent.objects.bulk_create(events)
        for obj, event in zip(locked, events, strict=True):
            setattr(obj, workflow.state_field, target)
            transitioned.send(sender=queryset.model, obj=obj, event=event)
        ids = [event.pk for event in events]
        transaction.on_commit(lambda: [_queue_notifications(pk) for pk in ids])
    return events


def record_creation(obj: models.Model, *, actor, note: str = "") -> WorkflowEvent:
    """Write the first history line (“” → initial state) when an object is created."""
    workflow = workflow_for(type(obj))
    return WorkflowEvent.objects.create(
        at=record_time(),
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


def _has_no_challenge(concern: models.Model) -> str | None:
    if concern.challenges.exists():
        return str(_("The concern is still linked to a challenge."))
    return None


def _author_only(concern: models.Model, actor) -> str | None:
    # A concern filed through an anonymous survey answer has no author: nobody withdraws it.
    if concern.author_id is None or concern.author_id != actor.pk:
        return str(_("Only the author may withdraw this concern."))
    return None


def _state_label(event: WorkflowEvent) -> str:
    choices = dict(event.subject._meta.get_field("status").choices)
    return str(choices.get(event.to_state, event.to_state))


def _concern_link(concern: Concern) -> str:
    """The concern's card on the author's "my concerns" page."""
    return reverse("civic:concern_mine") + f"#concern-{concern.pk}"


def _concern_recipients(event: WorkflowEvent) -> list[tuple[User, str]]:
    # A concern from a survey answer is filed in its respondent's name (surveys'
    # answering), so the author is the respondent; an anonymous answer has no author.
    author = event.subject.author
    return [(author, _concern_link(event.subject))] if author else []


def _public_challenge_of(concern: Concern) -> Challenge | None:
    """The challenge the concern was last linked to, if that challenge is public."""
    link = (
        ChallengeConcern.objects.filter(concern=concern)
        .exclude(challenge__status=Challenge.Status.DRAFT)
        .select_related("challenge")
        .order_by("-linked_at", "-id")
        .first()
    )
    return link.challenge if link else None


def _concern_message(event: WorkflowEvent) -> str:
    concern = event.subject
    if event.from_state == Concern.Status.LINKED and event.to_state == Concern.Status.PUBLISHED:
        return gettext(
            "Your concern #%(id)s is no longer part of a challenge; it stays published on the map."
        ) % {"id": concern.pk}
    if event.to_state == Concern.Status.LINKED:
        challenge = _public_challenge_of(concern)
        if challenge is None:
            # A draft challenge is internal: its title must not reach the resident yet.
            return gettext(
                "Your concern #%(id)s is now linked to a challenge that is being prepared."
            ) % {"id": concern.pk}
        return gettext("Your concern #%(id)s is now linked to the challenge “%(title)s”.") % {
            "id": concern.pk,
            "title": challenge.title,
        }
    return gettext("Your concern #%(id)s is now: %(state)s.") % {
        "id": concern.pk,
        "state": _state_label(event),
    }


def _concern_note(event: WorkflowEvent) -> str:
    if event.from_state == Concern.Status.LINKED and event.to_state == Concern.Status.PUBLISHED:
        return ""  # the message says it, in the reader's language
    if event.to_state == Concern.Status.LINKED:
        challenge = _public_challenge_of(event.subject)
        # The link's own note ("Linked to challenge …") says what the message says.
        if challenge is None or challenge.title in event.note:
            return ""
    return event.note


CONCERN_NOTIFIER = Notifier(
    recipients=_concern_recipients,
    message=_concern_message,
    mail_subject=_("Update on your concern"),
    kind=CONCERN_UPDATES.key,
    note=_concern_note,
)


def _challenge_event_is_public(event: WorkflowEvent) -> bool:
    """Residents hear about a challenge once it is public, never about drafts."""
    draft = Challenge.Status.DRAFT
    return event.to_state != draft and not (
        event.from_state == draft and event.to_state == Challenge.Status.CLOSED
    )


def _challenge_link(challenge: Challenge) -> str:
    return reverse("civic:challenge_detail", args=[challenge.pk])


def _challenge_recipients(event: WorkflowEvent) -> list[tuple[User, str]]:
    """Everyone with a stake in the challenge (civic.challenge_parts), once it is public."""
    if not _challenge_event_is_public(event):
        return []
    link = _challenge_link(event.subject)
    return [(user, link) for user in stakeholders_of(event.subject)]


def _challenge_message(event: WorkflowEvent) -> str:
    return gettext(
        "The challenge “%(title)s”, which your concern, survey answer or support is part of, "
        "is now: %(state)s."
    ) % {"title": event.subject.title, "state": _state_label(event)}


CHALLENGE_NOTIFIER = Notifier(
    recipients=_challenge_recipients,
    message=_challenge_message,
    mail_subject=_("Update on a challenge you follow"),
    kind=CHALLENGE_UPDATES.key,
)


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
            # Its last link undone (civic.services.challenge_unlink_concern): why, in the note.
            Transition(
                Concern.Status.LINKED,
                Concern.Status.PUBLISHED,
                STAFF,
                _("Unlink from its last challenge"),
                requires_note=True,
                guard=_has_no_challenge,
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
            # Only the author takes a concern back before it is moderated; the rule
            # holds whoever hands the object in (not only what a resident can see).
            Transition(
                Concern.Status.SUBMITTED,
                Concern.Status.WITHDRAWN,
                frozenset({RESIDENT}),
                _("Withdraw"),
                rule=_author_only,
            ),
        ],
        notifier=CONCERN_NOTIFIER,
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
        notifier=CHALLENGE_NOTIFIER,
    )
)
