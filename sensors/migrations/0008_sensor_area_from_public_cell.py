"""Data: a sensor's area is the one holding its public 100 m cell, no longer its exact location.

The exact location's neighbourhood told everyone which side of a boundary a
garden lies on when its cell straddles one. Same choice as
sensors.services.public_area_for: the most detailed area (neighbourhood,
then district, then anything else), lowest id first. Backwards restores the
area of the exact location.
"""

from django.db import migrations

_AREA_OF = """
UPDATE sensors_sensor s SET area_id = (
    SELECT a.id FROM civic_area a
    WHERE ST_Intersects(a.geometry, s.{column})
    ORDER BY CASE a.kind WHEN 'neighbourhood' THEN 0 WHEN 'district' THEN 1 ELSE 2 END, a.id
    LIMIT 1
)
"""


class Migration(migrations.Migration):
    dependencies = [
        ("civic", "0001_initial"),
        ("sensors", "0007_readingimport"),
    ]

    operations = [
        migrations.RunSQL(
            _AREA_OF.format(column="public_location"), _AREA_OF.format(column="location")
        ),
    ]
