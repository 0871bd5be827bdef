"""The sensor's states and moves in the core's workflow engine, and who hears of them.

active → retired: an officer, or the owner for their own sensor (also from
silent). retired → active ("reactivate"): officers only, who check the
placement before its readings count again. active → silent and back are the
service's own moves: the beat job marks silent a sensor that stopped
reporting, and its next reading makes it active again. Every move writes one
audit event; the owner hears of each one they did not make themselves, in
their own language.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from civic.models import User, WorkflowEvent
from civic.roles import RESIDENT, is_staff_member
from civic.workflow import STAFF, Notifier, Transition, Workflow, register, transition_many
from sensors.models import Sensor

S = Sensor.Status


def _officer_or_owner(sensor: models.Model, actor) -> str | None:
    if is_staff_member(actor) or (sensor.owner_id is not None and sensor.owner_id == actor.pk):
        return None
    return str(_("Only the sensor's owner or an officer may retire it."))


def _owner(event: WorkflowEvent) -> list[tuple[User, str]]:
    # A municipal station has no owner: its silence shows on the network's health page.
    owner = event.subject.owner
    return [(owner, reverse("sensors:mine"))] if owner else []


def _message(event: WorkflowEvent) -> str:
    names = {"name": str(event.subject)}
    if event.to_state == S.SILENT:
        return gettext(
            "Your sensor “%(name)s” has sent no readings for more than %(hours)s hours and is "
            "now marked silent. Check its power and connection: it becomes active again with "
            "its next reading."
        ) % {**names, "hours": settings.SENSORS_SILENT_AFTER_HOURS}
    if event.to_state == S.RETIRED:
        return (
            gettext("Your sensor “%(name)s” has been retired: its readings are no longer accepted.")
            % names
        )
    if event.from_state == S.SILENT:
        return gettext("Your sensor “%(name)s” is sending readings again.") % names
    return gettext("Your sensor “%(name)s” is active again.") % names


RETIRERS = STAFF | {RESIDENT}

SENSOR_WORKFLOW = register(
    Workflow(
        Sensor,
        [
            Transition(S.ACTIVE, S.RETIRED, RETIRERS, _("Retire"), rule=_officer_or_owner),
            Transition(S.SILENT, S.RETIRED, RETIRERS, _("Retire"), rule=_officer_or_owner),
            Transition(S.RETIRED, S.ACTIVE, STAFF, _("Reactivate")),
            Transition(S.ACTIVE, S.SILENT, frozenset(), _("Mark silent"), system=True),
            Transition(S.SILENT, S.ACTIVE, frozenset(), _("Reporting again"), system=True),
        ],
        notifier=Notifier(
            recipients=_owner, message=_message, mail_subject=_("Update on your sensor")
        ),
    )
)


def sensors_mark_silent(*, now: datetime | None = None) -> int:
    """Mark silent every active sensor quiet for SENSORS_SILENT_AFTER_HOURS; returns how many.

    Quiet: no reading since the cut-off (a sensor never heard from counts from
    its registration), and not made active since then either (a sensor an
    officer just reactivated gets the whole window to report). One set-based
    move, one audit event per sensor without actor; the owners are told.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(hours=settings.SENSORS_SILENT_AFTER_HOURS)
    made_active_since = WorkflowEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(Sensor),
        object_id=OuterRef("pk"),
        to_state=S.ACTIVE,
        at__gte=cutoff,
    )
    quiet = (
        Sensor.objects.filter(status=S.ACTIVE, created_at__lt=cutoff)
        .filter(Q(last_seen_at__lt=cutoff) | Q(last_seen_at__isnull=True))
        .exclude(Exists(made_active_since))
    )
    return len(transition_many(quiet, S.SILENT, actor=None))


def sensors_heard_again(*, sensor_ids: Iterable[int]) -> int:
    """Make active again the silent sensors among these that just sent readings.

    Called by ingest after a batch is stored, in its transaction, for the few
    sensors it found silent: their rows are already locked by that transaction.
    """
    quiet = Sensor.objects.filter(pk__in=list(sensor_ids), status=S.SILENT)
    return len(transition_many(quiet, S.ACTIVE, actor=None))
