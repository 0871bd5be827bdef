"""Evidence periods: seasons, the live window, officers' periods, the default and ?period=."""

from datetime import date

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation
from rest_framework.test import APIClient

from civic.models import EvidencePeriod, EvidenceStale
from civic.periods import (
    last_complete_season_year,
    period_custom_create,
    period_default,
    period_from_param,
    period_label,
    recent_period,
    season_ensure,
    seasons_for_days,
)


def with_data(period: EvidencePeriod, days: int) -> EvidencePeriod:
    period.coverage = {"sensors": {"days": days}}
    period.save(update_fields=["coverage"])
    return period


@pytest.mark.parametrize(
    ("today", "year"),
    [(date(2027, 2, 15), 2026), (date(2027, 7, 1), 2026), (date(2027, 10, 1), 2027)],
)
def test_the_last_complete_season(today, year):
    assert last_complete_season_year(today) == year


def test_seasons_are_created_for_the_days_that_have_data(db):
    seasons = seasons_for_days(date(2025, 9, 20), date(2026, 5, 3))

    assert [(s.key, s.start, s.end) for s in seasons] == [
        ("season-2025", date(2025, 5, 1), date(2025, 9, 30)),
        ("season-2026", date(2026, 5, 1), date(2026, 9, 30)),
    ]
    assert seasons_for_days(date(2025, 11, 1), date(2026, 3, 1)) == []


@pytest.mark.parametrize(
    ("today", "shown"),
    [
        # Winter: last summer.
        (date(2027, 2, 15), "season-2026"),
        # Early in a season with only a few days of data: still last summer.
        (date(2027, 5, 10), "season-2026"),
        # Once this season holds 14 days: this one.
        (date(2027, 6, 20), "season-2027"),
    ],
)
def test_the_default_is_the_most_recent_season_with_enough_data(db, today, shown):
    with_data(season_ensure(2025), 153)
    with_data(season_ensure(2026), 120)
    days_2027 = 9 if today < date(2027, 6, 1) else 40
    with_data(season_ensure(2027), days_2027)

    assert period_default(today=today).key == shown


def test_a_season_without_data_is_never_the_default(db):
    with_data(season_ensure(2025), 100)
    season_ensure(2026)

    assert period_default(today=date(2027, 1, 10)).key == "season-2025"


@time_machine.travel("2027-01-15 12:00 +01:00")
def test_the_live_window_moves_with_the_calendar_and_goes_stale(db):
    first = recent_period()
    assert (first.start, first.end) == (date(2026, 12, 17), date(2027, 1, 15))
    EvidenceStale.objects.all().delete()

    with time_machine.travel("2027-01-16 00:10 +01:00"):
        moved = recent_period()

    assert (moved.pk, moved.start, moved.end) == (first.pk, date(2026, 12, 18), date(2027, 1, 16))
    assert set(EvidenceStale.objects.values_list("source", "period_id")) == {
        ("sensors", first.pk),
        ("surveys", first.pk),
    }


def test_labels_name_the_dates_in_both_languages(db):
    season = season_ensure(2026)
    wave = EvidencePeriod(kind="heat_wave", start=date(2026, 7, 18), end=date(2026, 7, 26))
    with translation.override("en"):
        assert period_label(season) == "warm season 2026 (1 May \N{EN DASH} 30 September 2026)"
        assert period_label(wave) == "heat wave of 18 \N{EN DASH} 26 July 2026"
    with translation.override("nl"):
        assert period_label(season) == "warm seizoen 2026 (1 mei \N{EN DASH} 30 september 2026)"
        assert period_label(wave) == "hittegolf van 18 \N{EN DASH} 26 juli 2026"


def test_an_officer_defines_a_period_and_every_source_is_asked_to_compute_it(officer):
    EvidenceStale.objects.all().delete()

    period = period_custom_create(
        actor=officer, start=date(2026, 6, 1), end=date(2026, 6, 30), name="Before the works"
    )

    assert period.key == "2026-06-01..2026-06-30"
    assert period_from_param("2026-06-01..2026-06-30") == period
    assert set(EvidenceStale.objects.values_list("source", flat=True)) == {"sensors", "surveys"}
    with translation.override("en"):
        assert period_label(period) == "Before the works (1 \N{EN DASH} 30 June 2026)"


def test_residents_and_council_members_cannot_define_periods(resident, council):
    for person in (resident, council):
        with pytest.raises(PermissionDenied):
            period_custom_create(actor=person, start=date(2026, 6, 1), end=date(2026, 6, 30))


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("", "Name a period"),
        ("   ", "Name a period"),
        ("2026-09-30..2026-06-01", "ends before it starts"),
        ("2026-02-30..2026-03-01", "is not a date"),
        ("season-1850", "Unknown period"),
        ("'; DROP TABLE civic_evidence; --", "Unknown period"),
    ],
)
def test_bad_periods_are_refused_naming_period(db, value, words):
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        period_from_param(value)

    assert list(caught.value.message_dict) == ["period"]
    assert words in caught.value.message_dict["period"][0]


def test_the_api_lists_periods_and_lets_officers_define_one(officer, resident):
    with_data(season_ensure(2026), 92)
    client = APIClient()
    client.force_authenticate(resident)
    assert (
        client.post("/api/v1/periods/", {"start": "2026-06-01", "end": "2026-06-30"}).status_code
        == 403
    )

    client.force_authenticate(officer)
    created = client.post(
        "/api/v1/periods/",
        {"start": "2026-07-01", "end": "2026-07-31", "name": "July"},
        format="json",
    )
    reversed_ = client.post(
        "/api/v1/periods/", {"start": "2026-07-31", "end": "2026-07-01"}, format="json"
    )

    assert created.status_code == 201, created.content
    assert created.json()["key"] == "2026-07-01..2026-07-31"
    assert reversed_.status_code == 400 and "end" in reversed_.json()
