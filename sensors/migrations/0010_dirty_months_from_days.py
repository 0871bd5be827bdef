"""Data: every month that already has daily statistics gets its station-month checks (again).

Before markers existed only this month and the last were checked, nightly:
a summer loaded later never got month flags. Marking the months from the
sensor-days (one row per sensor and day, far fewer than readings) lets the
next recompute check them all. Backwards there is nothing to undo.
"""

from django.db import migrations

_MARK = """
INSERT INTO sensors_dirtymonth (sensor_id, month, changes, marked_at)
SELECT DISTINCT sensor_id, date_trunc('month', day)::date, 1, now() FROM sensors_sensorday
ON CONFLICT (sensor_id, month) DO NOTHING
"""


class Migration(migrations.Migration):
    dependencies = [("sensors", "0009_dirty_month")]

    operations = [migrations.RunSQL(_MARK, migrations.RunSQL.noop)]
