"""Carrying out an agreed intervention: officers' steps, dates, progress, milestones, the CSV."""

from datetime import date
from io import BytesIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from PIL import Image

from civic.challenge_parts import stages_for
from civic.models import Notification
from civic.workflow import TransitionNotAllowed, transition
from interventions import services
from interventions.models import Milestone
from tests.factories import ResidentFactory
from tests.interventions.conftest import S, agreed, awaiting, decide, jpeg_with_gps, on, propose

pytestmark = pytest.mark.django_db


def stage_of(challenge) -> str:
    challenge.refresh_from_db()
    return stages_for([challenge])[challenge.pk].key


def test_officers_carry_out_the_works_and_the_stage_follows(officer, council, challenge, today):
    works = agreed(officer, council, challenge)
    transition(works, S.IN_PROGRESS, actor=officer)
    works.refresh_from_db()
    assert works.actual_start == today
    assert stage_of(challenge) == "in_progress"
    services.implementation_update(intervention=works, actor=officer, progress=40)
    transition(works, S.COMPLETED, actor=officer)
    works.refresh_from_db()
    assert (works.status, works.actual_end, works.progress) == (S.COMPLETED, today, 100)
    assert stage_of(challenge) == "completed"


@pytest.mark.parametrize("role", ["council", "resident"])
def test_council_members_and_residents_cannot_move_the_works(
    role, officer, council, resident, challenge
):
    actor = {"council": council, "resident": resident}[role]
    works = agreed(officer, council, challenge)
    for target, note in ((S.IN_PROGRESS, ""), (S.CANCELLED, "Geen geld")):
        with pytest.raises(PermissionDenied):
            transition(works, target, actor=actor, note=note)
    with pytest.raises(PermissionDenied):
        services.implementation_update(intervention=works, actor=actor, progress=10)
    with pytest.raises(PermissionDenied):
        services.milestone_add(intervention=works, actor=actor, date=date(2026, 5, 1), title="X")
    works.refresh_from_db()
    assert (works.status, works.progress, works.milestones.count()) == (S.AGREED, 0, 0)


def test_a_cancellation_needs_a_reason_and_does_not_advance_the_stage(officer, council, challenge):
    works = agreed(officer, council, challenge)
    with pytest.raises(ValidationError) as refused:
        transition(works, S.CANCELLED, actor=officer, note="")
    assert "note" in refused.value.message_dict
    transition(works, S.CANCELLED, actor=officer, note="De grond is vervuild.")
    assert stage_of(challenge) == "open"
    with pytest.raises(TransitionNotAllowed):
        transition(works, S.IN_PROGRESS, actor=officer)


@pytest.mark.parametrize("value", [101, -1, "50"])
def test_progress_outside_0_to_100_is_refused_naming_progress(value, officer, council, challenge):
    works = agreed(officer, council, challenge)
    with pytest.raises(ValidationError) as refused:
        services.implementation_update(intervention=works, actor=officer, progress=value)
    assert set(refused.value.message_dict) == {"progress"}
    works.refresh_from_db()
    assert works.progress == 0


def test_a_completion_before_the_start_is_refused_naming_the_end(officer, council, challenge):
    with on(date(2027, 1, 18)):
        works = agreed(officer, council, challenge)
        transition(works, S.IN_PROGRESS, actor=officer)
    # The clock is earlier than the recorded start (as when the start was dated ahead).
    with on(date(2027, 1, 10)), pytest.raises(ValidationError) as refused:
        transition(works, S.COMPLETED, actor=officer)
    assert set(refused.value.message_dict) == {"actual_end"}
    works.refresh_from_db()
    assert (works.status, works.actual_end) == (S.IN_PROGRESS, None)


def test_planned_dates_in_order(officer, council, challenge):
    works = agreed(officer, council, challenge)
    with pytest.raises(ValidationError) as refused:
        services.implementation_update(
            intervention=works,
            actor=officer,
            planned_start=date(2026, 6, 1),
            planned_end=date(2026, 5, 1),
        )
    assert set(refused.value.message_dict) == {"planned_end"}
    services.implementation_update(
        intervention=works,
        actor=officer,
        planned_start=date(2026, 5, 1),
        planned_end=date(2026, 6, 1),
    )
    works.refresh_from_db()
    assert works.planned_end == date(2026, 6, 1)


def test_a_milestone_photo_loses_its_exif(officer, council, challenge, media_root):
    works = agreed(officer, council, challenge)
    assert b"Acme Phones" in jpeg_with_gps().read()
    milestone = services.milestone_add(
        intervention=works,
        actor=officer,
        date=date(2026, 5, 2),
        title="Tegels eruit",
        description="De eerste helft is open.",
        photo=jpeg_with_gps(),
    )
    stored = milestone.photo.open("rb").read()
    assert b"Acme Phones" not in stored
    assert not Image.open(BytesIO(stored)).getexif()


def test_no_milestone_on_a_declined_intervention(officer, council, challenge):
    declined = awaiting(officer, challenge)
    decide(council, declined, "declined")
    with pytest.raises(ValidationError) as refused:
        services.milestone_add(
            intervention=declined, actor=officer, date=date(2026, 5, 2), title="Start"
        )
    assert "intervention" in refused.value.message_dict
    assert "declined" in refused.value.message_dict["intervention"][0]
    assert not Milestone.objects.exists()


def test_stakeholders_and_supporters_hear_of_completion_and_the_public_cancel_reason(
    officer, council, challenge, concern_author, django_capture_on_commit_callbacks
):
    supporter = ResidentFactory(username="sup", language="en")
    works = awaiting(officer, challenge)
    works.supports.create(user=supporter)
    decide(council, works, "agreed")
    with django_capture_on_commit_callbacks(execute=True):
        transition(works, S.IN_PROGRESS, actor=officer, note="Aannemer gebeld")
        transition(works, S.COMPLETED, actor=officer, note="Intern: factuur volgt")
    last = Notification.objects.filter(recipient=supporter).latest("id")
    assert "has been carried out" in last.message
    assert "factuur" not in last.message + (getattr(last, "note", "") or "")
    # The concern's author reads Dutch.
    dutch = Notification.objects.filter(recipient=concern_author).latest("id").message
    assert dutch.startswith(
        "De maatregel “Tegels eruit” voor de opgave “Hete pleinen” is uitgevoerd."
    )
    # The start of the works is not a public step: only the completion reaches them.
    assert not Notification.objects.filter(message__contains="Aannemer").exists()

    other = agreed(officer, council, challenge, title="Bomen")
    other.supports.create(user=supporter)
    with django_capture_on_commit_callbacks(execute=True):
        transition(other, S.CANCELLED, actor=officer, note="De grond is vervuild.")
    cancelled = Notification.objects.filter(recipient=supporter).latest("id")
    assert "cancelled" in cancelled.message
    assert "De grond is vervuild." in cancelled.message + (getattr(cancelled, "note", "") or "")


def csv_bytes(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


def test_the_csv_update_is_all_or_nothing_naming_every_bad_row(officer, council, challenge):
    one = agreed(officer, council, challenge, title="Een")
    two = agreed(officer, council, challenge, title="Twee")
    content = csv_bytes(
        "id,progress,step,planned_end,note",
        f"{one.pk},30,in_progress,2026-09-01,",
        f"{two.pk},101,,2026-09-01,",
        "999999,10,,,",
        f"{two.pk},10,,31-12-2026,",
    )
    with pytest.raises(ValidationError) as refused:
        services.progress_csv_apply(actor=officer, content=content)
    problems = refused.value.message_dict["rows"]
    assert any(p.startswith("Line 3, progress:") for p in problems)
    assert any(p.startswith("Line 4, id:") for p in problems)
    assert any(p.startswith("Line 5, id:") for p in problems)  # twice in the file
    assert len(problems) == 3
    one.refresh_from_db()
    assert (one.status, one.progress, one.planned_end) == (S.AGREED, 0, None)

    fixed = csv_bytes(
        "id;progress;step;planned_end;note",
        f"{one.pk};30;in_progress;2026-09-01;",
        f"{two.pk};;cancelled;;Geen budget",
    )
    assert services.progress_csv_apply(actor=officer, content=fixed) == 2
    one.refresh_from_db()
    two.refresh_from_db()
    assert (one.status, one.progress, one.planned_end) == (S.IN_PROGRESS, 30, date(2026, 9, 1))
    assert one.actual_start == timezone.localdate()
    assert two.status == S.CANCELLED
    # The usual last row of works: 100 % and completed, in one line.
    done = csv_bytes("id,progress,step", f"{one.pk},100,completed")
    assert services.progress_csv_apply(actor=officer, content=done) == 1
    one.refresh_from_db()
    assert (one.status, one.progress, one.actual_end) == (S.COMPLETED, 100, timezone.localdate())


def test_a_csv_cancellation_without_reason_names_the_note(officer, council, challenge):
    one = agreed(officer, council, challenge)
    with pytest.raises(ValidationError) as refused:
        services.progress_csv_apply(
            actor=officer, content=csv_bytes("id,step", f"{one.pk},cancelled")
        )
    assert refused.value.message_dict["rows"][0].startswith("Line 2, note:")


def test_residents_cannot_upload_progress(resident, officer, council, challenge):
    one = agreed(officer, council, challenge)
    with pytest.raises(PermissionDenied):
        services.progress_csv_apply(actor=resident, content=csv_bytes("id,progress", f"{one.pk},5"))


def test_progress_on_a_proposal_not_yet_agreed_is_refused(officer, challenge):
    made = propose(officer, challenge)
    with pytest.raises(ValidationError) as refused:
        services.implementation_update(intervention=made, actor=officer, progress=5)
    assert "intervention" in refused.value.message_dict
