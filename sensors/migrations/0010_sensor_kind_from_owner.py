"""Data: sensors registered before kinds existed are gardens when a resident hosts them.

A sensor with an owner was registered by or for the resident who hosts it (in
practice in their garden); one without is the municipality's, left "other"
since nothing tells whether it hangs on a lamp post. Backwards: nothing to undo
(the column goes with 0009).
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("sensors", "0009_sensor_kind_registration"),
    ]

    operations = [
        migrations.RunSQL(
            "UPDATE sensors_sensor SET kind = 'garden' WHERE owner_id IS NOT NULL",
            migrations.RunSQL.noop,
        ),
    ]
