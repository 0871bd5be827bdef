"""The demo ranks on evidence: the shopping centre comes first and was prioritised on it."""

from datetime import datetime
from io import StringIO
from zoneinfo import ZoneInfo

import time_machine
from django.core.management import call_command

from civic.models import Challenge
from priority import demo
from priority.models import CouncilThemesVersion, Score, Snapshot, WeightsVersion
from priority.selectors import ranking, ranking_default_period

AMS = ZoneInfo("Europe/Amsterdam")
# From two days before the heat wave to the day after the storm (as tests/sensors/test_demo.py).
WINDOW_DAYS = 22


def test_the_shopping_centre_ranks_first_on_heat_and_is_prioritised_with_its_score(db):
    # Outside summer: the demo's summer is last year's complete warm season.
    with time_machine.travel(datetime(2027, 2, 15, 12, tzinfo=AMS), tick=False):
        call_command("load_demo", "--sensor-days", str(WINDOW_DAYS), stdout=StringIO())
        period = ranking_default_period()
        entries = ranking(period)

        first = entries[0]
        assert period.key == "season-2026"
        assert first.challenge.title == demo.SHOPPING_CENTRE
        assert first.challenge.status == Challenge.Status.PRIORITISED
        # Why, as the page says it: its top contributions are criteria on which it is the
        # worst of the three (survey signal, vulnerable residents, the council's theme) ...
        assert all(line["normalised"] == 1.0 for line in first.why), first.why
        # ... and it has the warmest nights of the demo (heat's headline figure).
        heat = next(line for line in first.lines if line["criterion"] == "heat")
        night = next(m for m in heat["details"]["measures"] if m["name"] == "night_anomaly")
        assert night["normalised"] == 1.0 and heat["raw"] > 0.3
        assert heat["normalised"] == max(
            next(line for line in e.lines if line["criterion"] == "heat")["normalised"] or 0
            for e in entries
        )
        # First under equal weights too (the demo's weights are equal).
        assert first.score.equal_value == max(e.score.equal_value for e in entries)
        assert first.score.value > entries[1].score.value
        assert first.score.weights.number == 1
        # Every criterion has data for it in the demo: heat, wetness, residents, survey,
        # vulnerability (its neighbourhood's three shares) and alignment.
        assert first.score.criteria_present == 6, first.lines
        # The move to prioritised recorded the score it had then.
        snapshot = Snapshot.objects.get(challenge=first.challenge)
        assert snapshot.rank == 1 and snapshot.value == first.score.value
        assert snapshot.event.actor.username == "officer"

        counts = (
            WeightsVersion.objects.count(),
            CouncilThemesVersion.objects.count(),
            Snapshot.objects.count(),
            sorted(Score.objects.values_list("challenge_id", "period_id", "value")),
        )
        assert demo.load_demo(progress=lambda _line: None) == {
            "weights": 0,
            "council_themes": 0,
            "snapshots": 0,
        }
        assert counts == (
            WeightsVersion.objects.count(),
            CouncilThemesVersion.objects.count(),
            Snapshot.objects.count(),
            sorted(Score.objects.values_list("challenge_id", "period_id", "value")),
        )
