"""Who hears about a workflow event, in their own language, in the app and by e-mail."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from civic.models import Notification, NotificationPreference, User, WorkflowEvent
from civic.workflow import Notifier, workflow_for


def _notifier(event: WorkflowEvent) -> Notifier:
    """The notifier its workflow registered (civic.workflow.register)."""
    # get_for_id is cached: no query per event or per e-mail.
    return workflow_for(
        ContentType.objects.get_for_id(event.content_type_id).model_class()
    ).notifier


def _recipients(event: WorkflowEvent, notifier: Notifier) -> list[tuple[User, str]]:
    """(recipient, link) pairs; never the actor, an inactive account or one who opted out.

    A recipient named twice (say, as an author and as a survey respondent) is
    told once, with the first link.
    """
    seen: set[int] = set()
    pairs = []
    for user, url in notifier.recipients(event):
        if user.pk == event.actor_id or not user.is_active or user.pk in seen:
            continue
        seen.add(user.pk)
        pairs.append((user, url))
    if notifier.kind is None or not pairs:
        return pairs
    switched_off = kind_switched_off_by(kind=notifier.kind, user_ids=[u.pk for u, _url in pairs])
    return [(user, url) for user, url in pairs if user.pk not in switched_off]


def kind_switched_off_by(*, kind: str, user_ids: list[int]) -> set[int]:
    """Which of these users switched this kind of notification off (one query)."""
    return set(
        NotificationPreference.objects.filter(
            kind=kind, enabled=False, user_id__in=user_ids
        ).values_list("user_id", flat=True)
    )


def _message(event: WorkflowEvent, notifier: Notifier) -> str:
    """The workflow's message in the active language, with the step's note."""
    text = notifier.message(event)
    note = notifier.note(event) if notifier.note is not None else event.note
    if note:
        text += " " + _("Note: %(note)s") % {"note": note}
    return text


def notifications_create_for_event(*, event: WorkflowEvent) -> int:
    """Create the notifications of one event; safe to run twice (unique per recipient)."""
    if event.subject is None:
        return 0
    notifier = _notifier(event)
    already = set(Notification.objects.filter(event=event).values_list("recipient_id", flat=True))
    rows = []
    for user, url in _recipients(event, notifier):
        if user.pk in already:
            continue
        with translation.override(user.language):
            message = _message(event, notifier)
        rows.append(
            Notification(
                recipient=user, event=event, message=message, url=url, kind=notifier.kind or ""
            )
        )
    # ignore_conflicts still guards a concurrent second run; the count above is what we add.
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def notifications_send_pending(*, limit: int = 500) -> int:
    """E-mail notifications not yet e-mailed; each is marked so it is sent once."""
    sent = 0
    for _attempt in range(limit):
        # One short transaction per e-mail: a failure later on never rolls back the
        # mark of a mail already sent (no duplicates), and skip_locked keeps two
        # workers off the same notification.
        with transaction.atomic():
            note = (
                Notification.objects.filter(emailed_at__isnull=True)
                .order_by("created_at", "id")
                .select_related("recipient", "event")
                .select_for_update(skip_locked=True, of=("self",))
                .first()
            )
            if note is None:
                break
            if note.recipient.email:
                with translation.override(note.recipient.language):
                    send_mail(
                        subject=str(_notifier(note.event).mail_subject),
                        message=note.message,
                        from_email=settings.DEFAULT_FROM_EMAIL,
                        recipient_list=[note.recipient.email],
                    )
            Notification.objects.filter(pk=note.pk).update(emailed_at=timezone.now())
        sent += 1
    return sent


def notifications_sweep(*, within: timedelta = timedelta(days=1)) -> int:
    """Catch up on events whose notification task never ran (Redis down, worker killed)."""
    created = 0
    since = timezone.now() - within
    # Events that already notified someone were handled; the rest are checked again
    # (cheap: most events of a day have a notification once their task ran).
    recent = WorkflowEvent.objects.filter(at__gte=since, notifications__isnull=True)
    for event in recent.exclude(from_state="").prefetch_related("subject"):
        created += notifications_create_for_event(event=event)
    notifications_send_pending()
    return created
