"""The demo network loads through the real chain, and QC finds what the demo planted."""

from datetime import date
from io import StringIO

from django.core.management import call_command

from civic.models import Evidence
from sensors import demo
from sensors.models import Reading, ReadingFlag, Sensor, SensorDay, SensorMonthFlag


def test_a_short_demo_summer_plants_what_qc_and_evidence_find(db):
    call_command("load_demo", "--core-only", stdout=StringIO())

    demo.load_demo(progress=print, start=date(2026, 7, 18), days=2)

    assert Sensor.objects.filter(hardware="station").count() == 15
    assert Sensor.objects.exclude(hardware="station").count() == 48
    assert Sensor.objects.get(external_id="tuin-01").owner.username == "resident"
    readings = Reading.objects.count()
    assert readings > 30_000
    stuck = Sensor.objects.get(external_id=demo.STUCK_ID)
    sunny = Sensor.objects.get(external_id=demo.SUNNY_ID)
    assert ReadingFlag.objects.filter(sensor=stuck, check_name="stuck").exists()
    flagged_months = set(SensorMonthFlag.objects.values_list("sensor__external_id", flat=True))
    assert flagged_months == {demo.STUCK_ID, demo.SUNNY_ID}
    # The heat wave has begun: summer days appear in the statistics.
    assert SensorDay.objects.filter(day=date(2026, 7, 19), t_max__gte=25).exists()
    slope = Evidence.objects.get(area__code="WK019312", name="green_share_slope_100m")
    assert slope.value < 0
    assert slope.details["sensors"] >= 50
    assert Evidence.objects.filter(challenge__isnull=False, name="night_anomaly").exists()
    assert sunny.status == Sensor.Status.ACTIVE

    demo.load_demo(progress=print, start=date(2026, 7, 18), days=2)

    assert Reading.objects.count() == readings
