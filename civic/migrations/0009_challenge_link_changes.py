"""The append-only record of links and unlinks; pg_trgm for likely duplicate concerns."""

import django.db.models.deletion
from django.conf import settings
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("civic", "0008_evidence_source_help"),
    ]

    operations = [
        # similarity() of concern texts: likely duplicates (civic.grouping).
        TrigramExtension(),
        migrations.CreateModel(
            name="ChallengeConcernChange",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "action",
                    models.CharField(
                        choices=[("link", "linked"), ("unlink", "unlinked")],
                        max_length=10,
                        verbose_name="action",
                    ),
                ),
                ("reason", models.TextField(blank=True, verbose_name="reason")),
                ("at", models.DateTimeField(auto_now_add=True, db_index=True, verbose_name="at")),
                (
                    "actor",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="by",
                    ),
                ),
                (
                    "challenge",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="concern_changes",
                        to="civic.challenge",
                        verbose_name="challenge",
                    ),
                ),
                (
                    "concern",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="challenge_changes",
                        to="civic.concern",
                        verbose_name="concern",
                    ),
                ),
            ],
            options={
                "verbose_name": "link change",
                "verbose_name_plural": "link changes",
                "ordering": ["at", "id"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("action", "unlink"), _negated=True),
                            models.Q(("reason", ""), _negated=True),
                            _connector="OR",
                        ),
                        name="unlink_has_reason",
                    )
                ],
            },
        ),
    ]
