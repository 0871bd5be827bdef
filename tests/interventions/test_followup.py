"""Residents' follow-up: asked once, weeks after completion, only those with a stake; answers
published as counts from 5, never with a name; the e-mail's links work once, for that person."""

import re
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import translation

from civic.challenge_parts import timeline_of
from civic.models import Notification, NotificationPreference, WorkflowEvent
from civic.workflow import transition
from interventions import services
from interventions.followup_results import followup_results
from interventions.models import FollowUp, Intervention
from interventions.tasks import send_followups
from tests.factories import ResidentFactory, UserFactory
from tests.interventions.conftest import S, decide, in_consultation, on, propose

pytestmark = pytest.mark.django_db

# Completed on a winter day and on a summer day: nothing may hang on the season.
COMPLETED_ON = [date(2026, 11, 30), date(2026, 6, 20)]
LINK = re.compile(r"https?://\S+/interventions/followup/([\w-]+)/\?answer=(\w+)")


def completed(officer, council, challenge, supporters=(), day=COMPLETED_ON[0]) -> Intervention:
    """Works supported by `supporters` in their consultation, agreed and completed on `day`."""
    with on(day - timedelta(days=40)):
        works = in_consultation(officer, challenge, site=None)
        for user in supporters:
            services.support_add(intervention=works, actor=user)
        transition(works, S.AWAITING_DECISION, actor=officer)
    with on(day - timedelta(days=30)):
        decide(council, works, "agreed")
        transition(works, S.IN_PROGRESS, actor=officer)
    with on(day):
        transition(works, S.COMPLETED, actor=officer)
    works.refresh_from_db()
    return works


def run_job(day: date) -> int:
    with on(day, hour=9):
        return send_followups.delay().get()


def links_for(user) -> dict[str, str]:
    """{answer: the link's path and query} from the last e-mail `user` received."""
    [message] = [m for m in mail.outbox if m.to == [user.email]][-1:]
    return {
        m.group(2): m.group(0).removeprefix(settings.CIVIC_SITE_URL)
        for m in LINK.finditer(message.body)
    }


@pytest.fixture
def client(client):
    """Pages in English (a visitor's default is Dutch); a signed-in reader's language wins."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def supporters(db):
    return [ResidentFactory(language="en") for _ in range(5)]


@pytest.mark.parametrize("day", COMPLETED_ON, ids=["winter", "summer"])
def test_the_stakeholders_are_asked_once_four_weeks_after_completion(
    day, officer, council, challenge, concern_author, supporters
):
    # given works completed on `day`, a concern's author and five supporters with a stake
    works = completed(officer, council, challenge, supporters, day=day)
    bystander = ResidentFactory(language="en")

    # when the daily job runs on day 27, on day 28 and again on day 28 and 29
    assert run_job(day + timedelta(days=27)) == 0
    assert mail.outbox == []
    asked = run_job(day + timedelta(days=28))
    again = run_job(day + timedelta(days=28)) + run_job(day + timedelta(days=29))

    # then each stakeholder got one e-mail and one notification; nobody else got any
    stakeholders = [concern_author, *supporters]
    assert (asked, again) == (6, 0)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in stakeholders)
    notes = Notification.objects.filter(kind="followup")
    assert sorted(notes.values_list("recipient_id", flat=True)) == sorted(
        u.pk for u in stakeholders
    )
    assert not notes.filter(emailed_at__isnull=True).exists()  # no second, link-less e-mail
    assert bystander.email not in {m.to[0] for m in mail.outbox}
    assert officer.email not in {m.to[0] for m in mail.outbox}
    assert FollowUp.objects.filter(intervention=works).count() == 6


def test_nobody_is_asked_about_works_whose_question_would_be_closed(
    officer, council, challenge, concern_author
):
    completed(officer, council, challenge)
    # Switched on long after: works completed more than 28 + 60 days ago are not asked about.
    assert run_job(COMPLETED_ON[0] + timedelta(days=28 + 61)) == 0
    assert mail.outbox == []


def test_the_email_is_in_the_recipients_language_with_three_links(
    officer, council, challenge, concern_author, supporters
):
    completed(officer, council, challenge, supporters)
    run_job(COMPLETED_ON[0] + timedelta(days=28))

    [dutch] = [m for m in mail.outbox if m.to == [concern_author.email]]
    [english] = [m for m in mail.outbox if m.to == [supporters[0].email]]
    # The day the works were completed, as each reader writes dates.
    assert "30 november 2026" in dutch.body
    assert "Nov. 30, 2026" in english.body
    assert english.subject == "Did the works in your neighbourhood help?"
    assert dutch.subject == "Hebben de werkzaamheden in je buurt geholpen?"
    assert "Kies je antwoord" in dutch.body
    assert set(links_for(concern_author)) == {"yes", "no", "not_sure"}
    # Only a digest of the token is stored.
    token = LINK.search(dutch.body).group(1)
    assert not FollowUp.objects.filter(token_digest=token).exists()


def test_someone_who_switched_the_kind_off_gets_no_mail_but_can_answer_on_the_page(
    client, officer, council, challenge, concern_author
):
    NotificationPreference.objects.create(user=concern_author, kind="followup", enabled=False)
    works = completed(officer, council, challenge)
    run_job(COMPLETED_ON[0] + timedelta(days=28))

    assert mail.outbox == []
    assert not Notification.objects.filter(kind="followup").exists()
    with on(COMPLETED_ON[0] + timedelta(days=30)):
        client.force_login(concern_author)
        page = client.get(reverse("interventions:detail", args=[works.pk]))
        assert f'action="/interventions/{works.pk}/followup/"' in page.content.decode()
        client.post(reverse("interventions:followup_answer", args=[works.pk]), {"answer": "no"})
    assert FollowUp.objects.get(user=concern_author).answer == "no"


def test_the_link_opens_the_question_and_only_the_button_records_it(
    client, officer, council, challenge, concern_author, supporters
):
    works = completed(officer, council, challenge, supporters)
    run_job(COMPLETED_ON[0] + timedelta(days=28))
    links = links_for(supporters[0])

    with on(COMPLETED_ON[0] + timedelta(days=30)):
        # A mail scanner (or the person) opens the "no" link: nothing is recorded yet.
        page = client.get(links["no"])
        assert page.status_code == 200
        assert re.search(r'value="no"[^>]*checked', page.content.decode())
        assert FollowUp.objects.filter(status="answered").count() == 0

        answered = client.post(
            (links["no"]), {"answer": "no", "comment": "Nog steeds heet bij nr. 12"}, follow=True
        )
        assert answered.status_code == 200
        assert "Your answer was recorded" in answered.content.decode()
        # Not signed in by the link.
        assert "_auth_user_id" not in client.session

        # Used a second time (another answer, or the same): refused with a page saying why.
        second = client.post((links["yes"]), {"answer": "yes"})
        opened_again = client.get(links["yes"])
    assert (second.status_code, opened_again.status_code) == (409, 409)
    assert "answered on" in second.content.decode()
    row = FollowUp.objects.get(intervention=works, user=supporters[0])
    assert (row.answer, row.comment) == ("no", "Nog steeds heet bij nr. 12")
    assert row.answered_at is not None


def test_a_bad_answer_is_refused_naming_it_and_nothing_is_written(
    client, officer, council, challenge, concern_author
):
    completed(officer, council, challenge)
    run_job(COMPLETED_ON[0] + timedelta(days=28))
    link = links_for(concern_author)["yes"]

    with on(COMPLETED_ON[0] + timedelta(days=29)):
        page = client.post(link, {"answer": "maybe"})

    assert page.status_code == 400
    assert "maybe" in page.content.decode()  # Django names the choice it did not know
    assert FollowUp.objects.get().status == "asked"


def test_someone_elses_link_an_unknown_one_and_a_closed_one_are_refused(
    client, officer, council, challenge, concern_author, supporters
):
    completed(officer, council, challenge, supporters)
    run_job(COMPLETED_ON[0] + timedelta(days=28))
    link = links_for(concern_author)["yes"]

    with on(COMPLETED_ON[0] + timedelta(days=29)):
        client.force_login(supporters[0])
        as_other = client.post(link, {"answer": "yes"})
        opened_as_other = client.get(link)
        client.logout()
        token = link.split("/")[3]
        unknown = client.get(link.replace(token, token[:-4] + "xxxx"))
        made_up = client.post("/interventions/followup/" + "a" * 43 + "/", {"answer": "yes"})
    with on(COMPLETED_ON[0] + timedelta(days=28 + 61)):
        closed = client.post(link, {"answer": "yes"})

    assert [as_other.status_code, opened_as_other.status_code] == [403, 403]
    assert "someone else" in as_other.content.decode()
    assert [unknown.status_code, made_up.status_code, closed.status_code] == [404, 404, 410]
    assert not FollowUp.objects.filter(status="answered").exists()


def answer_all(users, answers, works):
    with on(COMPLETED_ON[0] + timedelta(days=30)):
        for user, answer in zip(users, answers, strict=True):
            followup = FollowUp.objects.get(intervention=works, user=user)
            services.followup_answer(followup=followup, user=None, answer=answer)


def test_counts_are_suppressed_below_five_answers_and_shown_at_five(
    client, officer, council, challenge, concern_author, supporters
):
    works = completed(officer, council, challenge, supporters)
    run_job(COMPLETED_ON[0] + timedelta(days=28))
    page_url = reverse("interventions:detail", args=[works.pk])
    api_url = f"/api/v1/interventions/{works.pk}/followup/"

    answer_all(supporters[:4], ["yes", "yes", "no", "not_sure"], works)
    with on(COMPLETED_ON[0] + timedelta(days=31)):
        page = client.get(page_url).content.decode()
        api = client.get(api_url).json()
        challenge_page = client.get(reverse("civic:challenge_detail", args=[challenge.pk]))
    assert "Fewer than 5 answers so far." in page
    assert "Fewer than 5 answers so far." in challenge_page.content.decode()
    assert api == {
        "asked": 6,
        "suppressed": True,
        "minimum_answers": 5,
        "answered": None,
        "yes": None,
        "no": None,
        "not_sure": None,
        "summary": "Fewer than 5 answers so far.",
    }

    answer_all(supporters[4:], ["yes"], works)
    with on(COMPLETED_ON[0] + timedelta(days=31)):
        page = client.get(page_url).content.decode()
        api = client.get(api_url).json()
    shown = "5 residents answered: 3 yes, 1 no, 1 not sure."
    assert shown in page
    assert (api["suppressed"], api["answered"], api["yes"], api["no"], api["not_sure"]) == (
        False,
        5,
        3,
        1,
        1,
    )
    assert followup_results(works.pk).shown


def test_no_name_or_comment_reaches_the_public_and_officers_read_comments_without_names(
    client, officer, council, challenge, concern_author
):
    named = [ResidentFactory(first_name=f"Naam{i}", last_name="Zichtbaar") for i in range(5)]
    works = completed(officer, council, challenge, named)
    run_job(COMPLETED_ON[0] + timedelta(days=28))
    with on(COMPLETED_ON[0] + timedelta(days=30)):
        for user in named:
            followup = FollowUp.objects.get(intervention=works, user=user)
            services.followup_answer(
                followup=followup, user=user, answer="yes", comment=f"Geheim van {user.username}"
            )
    page_url = reverse("interventions:detail", args=[works.pk])

    public = client.get(page_url).content.decode()
    api = client.get(f"/api/v1/interventions/{works.pk}/followup/").content.decode()
    entries = timeline_of(challenge)
    client.force_login(officer)
    officers = client.get(page_url).content.decode()

    with translation.override("en"):
        timeline = " ".join(f"{e.title} {e.text}" for e in entries)
    for text in (public, api, timeline):
        assert "Zichtbaar" not in text
        assert "Geheim" not in text
        assert not any(u.username in text for u in named)
    assert "5 residents answered: 5 yes, 0 no, 0 not sure." in timeline
    assert f"Geheim van {named[0].username}" in officers
    assert "Zichtbaar" not in officers
    # The audit trail of the answers (officers read it in the admin) names nobody either.
    moves = WorkflowEvent.objects.filter(content_type__model="followup", to_state="answered")
    assert moves.count() == 5
    assert not moves.filter(actor__isnull=False).exists()


def test_the_timeline_says_when_residents_were_asked_and_not_the_counts_below_five(
    officer, council, challenge, concern_author, supporters
):
    works = completed(officer, council, challenge, supporters)
    run_job(COMPLETED_ON[0] + timedelta(days=28))
    answer_all(supporters[:2], ["no", "no"], works)

    [entry] = [e for e in timeline_of(challenge) if e.kind == "answers"]

    assert entry.day == COMPLETED_ON[0] + timedelta(days=28)
    with translation.override("en"):
        assert str(entry.title) == "Residents were asked whether it helped"
        assert str(entry.text) == "“Tegels eruit”: Fewer than 5 answers so far."
    assert entry.url == reverse("interventions:detail", args=[works.pk])


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_ask_each_person_once(
    officer, council, challenge, concern_author, monkeypatch
):
    # given the first run holding its transaction open while its e-mail goes out
    import threading

    from django.db import connection

    from interventions.services import followup as followup_module

    completed(officer, council, challenge)
    mail.outbox.clear()  # the workflow's own notifications (committed here) went out already
    real_send = followup_module.send_mail
    sending, release = threading.Event(), threading.Event()

    def slow_send(**kwargs):
        sending.set()
        release.wait(10)
        return real_send(**kwargs)

    monkeypatch.setattr(followup_module, "send_mail", slow_send)
    counts = {}

    def run(name):
        try:
            counts[name] = services.followups_send()
        finally:
            connection.close()

    # when a second run starts meanwhile (it waits on the first one's row, then skips it)
    with on(COMPLETED_ON[0] + timedelta(days=28)):
        first = threading.Thread(target=run, args=("first",))
        first.start()
        assert sending.wait(10)
        second = threading.Thread(target=run, args=("second",))
        second.start()
        second.join(1)
        waited = second.is_alive()  # on the first run's uncommitted row
        release.set()
        first.join(10)
        second.join(10)

    # then the person was asked once: one row, one notification, one e-mail
    assert waited
    assert counts == {"first": 1, "second": 0}
    assert [m.to for m in mail.outbox] == [[concern_author.email]]
    assert FollowUp.objects.count() == 1
    assert Notification.objects.filter(kind="followup").count() == 1


def test_a_resident_who_proposed_the_works_is_asked_and_an_officer_who_did_is_not(
    officer, council, challenge, resident
):
    # given works a resident proposed (an officer proposed the ones in the other tests)
    day = COMPLETED_ON[1]
    with on(day - timedelta(days=40)):
        works = propose(resident, challenge, site=None)
        transition(works, S.UNDER_REVIEW, actor=officer)
        transition(
            works,
            S.IN_CONSULTATION,
            actor=officer,
            changes={"consultation_end": day - timedelta(days=35)},
        )
    with on(day - timedelta(days=30)):
        transition(works, S.AWAITING_DECISION, actor=officer)
        decide(council, works, "agreed")
        transition(works, S.IN_PROGRESS, actor=officer)
    with on(day):
        transition(works, S.COMPLETED, actor=officer)

    # when the job runs four weeks later
    run_job(day + timedelta(days=28))

    # then the proposer is asked besides the concern's author; the officers are not
    asked = set(FollowUp.objects.values_list("user__username", flat=True))
    assert asked == {resident.username, "fatima"}


def test_officers_cannot_join_who_was_asked_with_what_was_answered_in_the_admin(
    client, officer, council, challenge, concern_author, supporters
):
    works = completed(officer, council, challenge, supporters)
    run_job(COMPLETED_ON[0] + timedelta(days=28))
    asked = supporters[0]
    answer_all([asked], ["no"], works)
    followup = FollowUp.objects.get(intervention=works, user=asked)
    events = WorkflowEvent.objects.filter(content_type__model="followup", object_id=followup.pk)
    note = Notification.objects.get(recipient=asked, event__in=events)
    pages = {
        "notification": f"/admin/civic/notification/{note.pk}/change/",
        "asked": f"/admin/civic/workflowevent/{events.get(from_state='').pk}/change/",
        "answered": f"/admin/civic/workflowevent/{events.get(to_state='answered').pk}/change/",
    }

    client.force_login(officer)
    # The answers are there to read, without their names...
    assert client.get(f"/admin/interventions/followup/{followup.pk}/change/").status_code == 200
    # ...and nothing leads from a person's notification or the audit trail to their answer.
    for url in pages.values():
        assert client.get(url).status_code == 302  # "does not exist": back to the index
    listed = client.get("/admin/civic/notification/", {"q": asked.username}).content.decode()
    assert "0 notifications" in listed
    trail = client.get("/admin/civic/workflowevent/").content.decode()
    assert f'object_id={followup.pk}"' not in trail and "answered" not in trail

    # Only a superuser (who can read the database anyway) sees the whole trail.
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    assert all(client.get(url).status_code == 200 for url in pages.values())
