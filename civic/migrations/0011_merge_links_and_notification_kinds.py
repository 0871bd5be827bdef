"""Joins the link record (challenges) and the notification kinds, built in parallel."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("civic", "0009_notification_kinds"),
        ("civic", "0010_challenge_link_changes_backfill"),
    ]

    operations = []
