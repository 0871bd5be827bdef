"""The demo loads a believable Stadshagen, the same way every time, and only once."""

from io import StringIO

from django.core.management import call_command

from civic.models import Area, Challenge, Concern, Theme, User, WorkflowEvent
from civic.roles import ADMIN, COUNCIL, OFFICER, RESIDENT, user_has_role


def _snapshot():
    return sorted(
        Concern.objects.values_list("external_id", "theme__slug", "status", "description")
    ), sorted((round(c.location.x, 6), round(c.location.y, 6)) for c in Concern.objects.all())


def test_demo_builds_the_district_with_accounts_concerns_and_challenges(db):
    call_command("load_demo", "--core-only", stdout=StringIO())

    assert Area.objects.filter(kind=Area.Kind.NEIGHBOURHOOD).count() == 6
    assert Area.objects.get(code="WK019312").name == "Stadshagen"
    assert set(Theme.objects.values_list("slug", flat=True)) >= {
        "heat",
        "flooding",
        "drought",
        "greenery",
        "other",
    }
    for login, role in [
        ("resident", RESIDENT),
        ("officer", OFFICER),
        ("council", COUNCIL),
        ("admin", ADMIN),
    ]:
        user = User.objects.get(username=login)
        assert user.check_password("stadshagen2026")
        assert user_has_role(user, role)
    assert Concern.objects.count() == 200
    # Every concern lies in a neighbourhood, and moderation has work waiting.
    assert not Concern.objects.filter(area__kind__in=["municipality", "district"]).exists()
    assert Concern.objects.filter(area__isnull=True).count() == 0
    assert Concern.objects.filter(status=Concern.Status.SUBMITTED).exists()
    assert Concern.objects.filter(status=Concern.Status.LINKED).count() > 20
    statuses = dict(Challenge.objects.values_list("title", "status"))
    # The core leaves all three public and open; the apps carry them further.
    assert sorted(statuses.values()) == ["open", "open", "open"]
    # The demo went through the workflow: each non-submitted concern has history.
    moved = Concern.objects.exclude(status=Concern.Status.SUBMITTED).count()
    assert WorkflowEvent.objects.exclude(from_state="").count() >= moved


def test_demo_is_deterministic_and_idempotent(db):
    call_command("load_demo", "--core-only", stdout=StringIO())
    first = _snapshot()
    events = WorkflowEvent.objects.count()

    call_command("load_demo", "--core-only", stdout=StringIO())

    assert _snapshot() == first
    assert WorkflowEvent.objects.count() == events
    assert User.objects.filter(username="resident").count() == 1
