"""Who hears about a workflow event, in their own language, in the app and by e-mail."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from civic.models import Challenge, Concern, Notification, User, WorkflowEvent


def _recipients(event: WorkflowEvent) -> list[tuple[User, str]]:
    """(recipient, link) pairs; the actor never notifies themselves."""
    subject = event.subject
    if isinstance(subject, Concern):
        # no author: filed through an anonymous survey answer
        people = [(subject.author, reverse("civic:concern_mine"))] if subject.author else []
    elif isinstance(subject, Challenge) and _challenge_event_is_public(event):
        authors = User.objects.filter(concerns__challenges=subject).distinct()
        people = [(author, reverse("civic:concern_mine")) for author in authors]
    else:
        people = []
    return [(user, url) for user, url in people if user.pk != event.actor_id and user.is_active]


def _challenge_event_is_public(event: WorkflowEvent) -> bool:
    """Residents hear about a challenge once it is public, never about drafts."""
    draft = Challenge.Status.DRAFT
    return event.to_state != draft and not (
        event.from_state == draft and event.to_state == Challenge.Status.CLOSED
    )


def _message(event: WorkflowEvent) -> str:
    subject = event.subject
    state = subject._meta.get_field("status").choices
    label = dict(state).get(event.to_state, event.to_state)
    if isinstance(subject, Concern):
        text = _("Your concern #%(id)s is now: %(state)s.") % {"id": subject.pk, "state": label}
    else:
        text = _(
            "The challenge “%(title)s”, to which your concern is linked, is now: %(state)s."
        ) % {
            "title": subject.title,
            "state": label,
        }
    if event.note:
        text += " " + _("Note: %(note)s") % {"note": event.note}
    return text


def notifications_create_for_event(*, event: WorkflowEvent) -> int:
    """Create the notifications of one event; safe to run twice (unique per recipient)."""
    if event.subject is None:
        return 0
    already = set(Notification.objects.filter(event=event).values_list("recipient_id", flat=True))
    rows = []
    for user, url in _recipients(event):
        if user.pk in already:
            continue
        with translation.override(user.language):
            rows.append(Notification(recipient=user, event=event, message=_message(event), url=url))
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
                .select_related("recipient")
                .select_for_update(skip_locked=True, of=("self",))
                .first()
            )
            if note is None:
                break
            if note.recipient.email:
                with translation.override(note.recipient.language):
                    send_mail(
                        subject=_("Update on your concern"),
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
