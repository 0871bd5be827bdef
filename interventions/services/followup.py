"""Residents' follow-up: weeks after completion, everyone with a stake is asked once "did it help?".

The daily job (`followups_send`) asks each stakeholder of a completed
intervention once: a FollowUp row (unique per intervention and person, so a
second or concurrent run asks nobody twice), a notification in the service and
an e-mail in their language with three links (yes / no / not sure). A link only
opens a page with that answer chosen; the answer is recorded when the person
confirms it (mail scanners open links, they do not press buttons). The link's
token authenticates that one person for that one question, without logging in;
only its sha256 digest is stored.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from civic import workflow
from civic.challenge_parts import stakeholders_of
from civic.models import Notification, User
from civic.notifications import notifications_create_for_event
from interventions.followup_results import MIN_ANSWERS
from interventions.models import FollowUp, Intervention
from interventions.workflow import FOLLOWUP_NOTIFIER

logger = logging.getLogger(__name__)

F = FollowUp.Status
COMMENT_MAX = 2000


class FollowUpRefused(Exception):
    """A follow-up that cannot be answered (any more); `status` is the HTTP answer."""

    status = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class FollowUpUnknown(FollowUpRefused):
    """No question behind this link (a mistyped, made-up or withdrawn token)."""

    status = 404


class FollowUpAnswered(FollowUpRefused):
    """The question was answered already: a link works once."""

    status = 409


class FollowUpClosed(FollowUpRefused):
    """The question's answering time is over."""

    status = 410


def _after_days() -> int:
    return int(getattr(settings, "INTERVENTIONS_FOLLOWUP_AFTER_DAYS", 28))


def _answer_days() -> int:
    return int(getattr(settings, "INTERVENTIONS_FOLLOWUP_ANSWER_DAYS", 60))


def token_digest(token: str) -> str:
    """The stored form of a link's token (256 random bits: a fast hash is enough)."""
    return hashlib.sha256(token.encode()).hexdigest()


def followup_closes_on(followup: FollowUp) -> date:
    """The last day the question can be answered."""
    return timezone.localdate(followup.sent_at) + timedelta(days=_answer_days())


def followups_due(*, today: date | None = None):
    """Completed works whose follow-up is due: AFTER_DAYS after completion, while still open.

    Works completed longer ago than the answering time are not asked about any more
    (their question would already be closed), so switching the feature on never
    mails about works of years ago.
    """
    today = today or timezone.localdate()
    ask_from = today - timedelta(days=_after_days())
    return Intervention.objects.filter(
        status=Intervention.Status.COMPLETED,
        actual_end__lte=ask_from,
        actual_end__gt=ask_from - timedelta(days=_answer_days()),
    ).select_related("challenge", "proposer")


def followup_recipients(intervention: Intervention) -> list[User]:
    """Everyone with a stake in the challenge (civic.challenge_parts) and a resident proposer."""
    users = {user.pk: user for user in stakeholders_of(intervention.challenge)}
    proposer = intervention.proposer
    if (
        proposer is not None
        and proposer.is_active
        and intervention.proposer_role == Intervention.ProposerRole.RESIDENT
    ):
        users.setdefault(proposer.pk, proposer)
    return list(users.values())


def followup_link(token: str, answer: str = "") -> str:
    """The absolute address of the answer page for this token (with an answer chosen)."""
    path = reverse("interventions:followup_token", args=[token])
    query = f"?answer={answer}" if answer else ""
    return f"{settings.CIVIC_SITE_URL}{path}{query}"


def _mail_body(followup: FollowUp, token: str, message: str) -> str:
    links = "\n".join(
        f"{label}: {followup_link(token, value)}" for value, label in FollowUp.Answer.choices
    )
    closes = formats.date_format(followup_closes_on(followup), "DATE_FORMAT")
    return "\n\n".join(
        [
            message,
            _("Choose your answer; you confirm it on the page and may add a comment:"),
            links,
            _(
                "These links are for you alone: they let you answer once, without logging in, "
                "until %(closes)s. Only the numbers of answers are published, once at least "
                "%(minimum)d residents answered; a comment is read by the municipality only."
            )
            % {"closes": closes, "minimum": MIN_ANSWERS},
        ]
    )


def followup_ask(intervention: Intervention, user: User, *, connection=None) -> bool:
    """Ask one person, once: the row, its history line, the notification and the e-mail.

    `connection` is the e-mail connection (default: the configured backend); the demo
    passes one that sends nothing, since its accounts' addresses are not real.

    One short transaction per person: a failing e-mail rolls back only this
    person's question, which the next run asks again. Two runs at once meet at the
    unique (intervention, user) row: the second waits for the first and asks nobody.
    """
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        followup, created = FollowUp.objects.get_or_create(
            intervention=intervention,
            user=user,
            defaults={"token_digest": token_digest(token), "sent_at": timezone.now()},
        )
        if not created:
            return False
        event = workflow.record_creation(followup, actor=None)
        # The in-service notification, in their language, unless they switched the kind off.
        notifications_create_for_event(event=event)
        note = Notification.objects.filter(event=event, recipient=user).first()
        if note is not None:
            if user.email:
                with translation.override(user.language):
                    send_mail(
                        subject=str(FOLLOWUP_NOTIFIER.mail_subject),
                        message=_mail_body(followup, token, note.message),
                        from_email=settings.DEFAULT_FROM_EMAIL,
                        recipient_list=[user.email],
                        connection=connection,
                    )
            # The generic notification mail would carry no links: this one is the e-mail.
            Notification.objects.filter(pk=note.pk).update(emailed_at=timezone.now())
    return True


def followups_send(*, today: date | None = None) -> int:
    """The daily job: ask every stakeholder of works whose follow-up is due; how many were asked.

    Idempotent: a person already asked about an intervention has a row and is skipped,
    so a second run (or a redelivered task) asks nobody twice.
    """
    asked = 0
    for intervention in followups_due(today=today):
        done = set(
            FollowUp.objects.filter(intervention=intervention).values_list("user_id", flat=True)
        )
        for user in followup_recipients(intervention):
            if user.pk in done:
                continue
            try:
                asked += followup_ask(intervention, user)
            except Exception:  # one bad address must not stop the others; asked next run
                logger.warning(
                    "Could not ask user %s about intervention %s",
                    user.pk,
                    intervention.pk,
                    exc_info=True,
                )
    return asked


def followup_by_token(token: str) -> FollowUp:
    """The question behind a link's token, or FollowUpUnknown."""
    token = (token or "").strip()
    followup = None
    if 20 <= len(token) <= 100:
        followup = (
            FollowUp.objects.select_related("intervention", "intervention__challenge", "user")
            .filter(token_digest=token_digest(token))
            .first()
        )
    if followup is None:
        raise FollowUpUnknown(
            _("This link does not lead to a question: it may be mistyped or incomplete.")
        )
    return followup


def followup_of(*, intervention: Intervention, user) -> FollowUp | None:
    """The question this signed-in person was asked about this intervention, if any."""
    if user is None or not user.is_authenticated:
        return None
    return FollowUp.objects.filter(intervention=intervention, user=user).first()


def followup_check(followup: FollowUp, *, user) -> None:
    """Refuse what cannot be answered: someone else's question, a second answer, a closed one.

    `user` is who is signed in (or anonymous, when the link's token is the only key).
    """
    if user is not None and user.is_authenticated and user.pk != followup.user_id:
        raise PermissionDenied(
            _(
                "This question was asked to someone else. Log out to answer with the link "
                "from your own e-mail."
            )
        )
    if followup.status == F.ANSWERED:
        raise FollowUpAnswered(
            _("This question was answered on %(day)s; an answer is given once. Thank you!")
            % {"day": formats.date_format(timezone.localdate(followup.answered_at), "DATE_FORMAT")}
        )
    if timezone.localdate() > followup_closes_on(followup):
        raise FollowUpClosed(
            _("This question closed on %(day)s; answers are no longer taken.")
            % {"day": formats.date_format(followup_closes_on(followup), "DATE_FORMAT")}
        )


def _clean(answer, comment) -> tuple[str, str]:
    errors: dict[str, list[str]] = {}
    if not isinstance(answer, str) or answer not in FollowUp.Answer.values:
        errors["answer"] = [
            _("Choose one of: %(choices)s.") % {"choices": ", ".join(FollowUp.Answer.values)}
        ]
    if comment is None:
        comment = ""
    if not isinstance(comment, str):
        errors["comment"] = [_("Give the comment as text.")]
    else:
        comment = comment.strip()
        if len(comment) > COMMENT_MAX:
            errors["comment"] = [_("At most %(count)s characters.") % {"count": COMMENT_MAX}]
        elif "\x00" in comment:
            errors["comment"] = [_("The text holds a character that cannot be stored.")]
    if errors:
        raise ValidationError(errors)
    return answer, comment


def followup_answer(*, followup: FollowUp, user, answer: str, comment: str = "") -> FollowUp:
    """Record the answer of the person asked (signed in as `user`, or by the link: anonymous).

    Refuses with FollowUpAnswered (a second answer), FollowUpClosed, PermissionDenied
    (someone else signed in) or ValidationError naming the field; nothing is written then.
    """
    answer, comment = _clean(answer, comment)
    with transaction.atomic():
        locked = (
            FollowUp.objects.select_for_update(no_key=True)
            .select_related("user")
            .get(pk=followup.pk)
        )
        # Checked under the lock: two clicks at once give one answer and one refusal.
        followup_check(locked, user=user)
        # actor=None: the event must not tie the person to their answer (see the workflow).
        workflow.transition(locked, F.ANSWERED, actor=None, changes={"answer": answer})
        locked.comment = comment
        locked.save(update_fields=["comment"])
    return locked
