"""The one evidence contract: how a source replaces its figures, and what must be redone.

Writing. A source (an app) opens `evidence_writing(source)`: one transaction
holding the source's advisory lock, so two runs of a source (a worker's and
the sweep's) never interleave; the second waits and then writes the same
figures. Inside it calls `writer.replace(period=…, …)` once per period: the
source's own SQL (or Python rows) fills a temporary staging table
`evidence_incoming (challenge_id, area_id, name, value, details)`, and the
service then deletes the source's rows for that period and those subjects
that were not staged (a neighbourhood whose sensors are all gone loses its
figures), upserts the staged ones, refuses names the source did not register
in the vocabulary, and records how many days of data the period held.

Pending work. Whatever makes figures stale (a new or moved subject, a sensor
added or retired, new readings in a period, a new officer's period) writes
an EvidenceStale marker in the same transaction and queues the source after
commit. The source claims its markers when it runs (`evidence_claim_stale`),
and the beat sweep queues every source that still has unclaimed markers, so
a lost message (Redis down, worker killed) only delays the work.

Readers. `evidence_replaced` is sent after the commit of each
`writer.replace()` (sender=EvidenceWriter, source=the source's name,
period=the EvidencePeriod), so what is computed from figures (a score) can be
redone; a run that replaces many periods sends it once per period, and a
receiver should debounce. Nothing is sent when the transaction rolls back.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import connection, transaction
from django.db.models import Max, Q
from django.dispatch import Signal
from django.utils import timezone

from civic.models import EvidencePeriod, EvidenceStale
from civic.vocabulary import measure_for, sources

logger = logging.getLogger(__name__)

# Subject kinds and their column in civic_evidence.
SUBJECT_COLUMNS = {"challenge": "challenge_id", "area": "area_id"}

_STAGING = [
    "DROP TABLE IF EXISTS pg_temp.evidence_incoming",
    """
    CREATE TEMP TABLE evidence_incoming (
        challenge_id bigint, area_id bigint, name text NOT NULL,
        value double precision, details jsonb NOT NULL DEFAULT '{}'
    ) ON COMMIT DROP
    """,
]

_REPLACE = """
WITH gone AS (
    DELETE FROM civic_evidence e
    WHERE e.source = %(source)s AND e.period_id = %(period)s AND ({scope})
      AND NOT EXISTS (
          SELECT 1 FROM evidence_incoming i
          WHERE i.name = e.name
            AND i.challenge_id IS NOT DISTINCT FROM e.challenge_id
            AND i.area_id IS NOT DISTINCT FROM e.area_id)
    RETURNING 1
), challenge_rows AS (
    INSERT INTO civic_evidence
        (challenge_id, area_id, period_id, source, name, value, details, computed_at)
    SELECT challenge_id, NULL, %(period)s, %(source)s, name, value, details, %(now)s
    FROM evidence_incoming WHERE challenge_id IS NOT NULL
    ON CONFLICT (challenge_id, source, name, period_id) WHERE challenge_id IS NOT NULL
    DO UPDATE SET value = excluded.value, details = excluded.details,
                  computed_at = excluded.computed_at
    RETURNING 1
), area_rows AS (
    INSERT INTO civic_evidence
        (challenge_id, area_id, period_id, source, name, value, details, computed_at)
    SELECT NULL, area_id, %(period)s, %(source)s, name, value, details, %(now)s
    FROM evidence_incoming WHERE area_id IS NOT NULL
    ON CONFLICT (area_id, source, name, period_id) WHERE area_id IS NOT NULL
    DO UPDATE SET value = excluded.value, details = excluded.details,
                  computed_at = excluded.computed_at
    RETURNING 1
)
SELECT (SELECT count(*) FROM challenge_rows) + (SELECT count(*) FROM area_rows)
"""


# After the commit of a writer's replace(): source=<name>, period=<EvidencePeriod>.
evidence_replaced = Signal()


class UnregisteredMeasure(ValueError):
    """A source wrote a figure it did not register in the vocabulary."""


@dataclass
class EvidenceWriter:
    """Replaces one source's figures, period by period, inside `evidence_writing`."""

    source: str
    cursor: object
    now: datetime = field(default_factory=timezone.now)

    def replace(
        self,
        *,
        period: EvidencePeriod,
        sql: str | Sequence[str] | None = None,
        params: dict | None = None,
        rows: list[dict] | None = None,
        subjects: dict[str, list[int]] | None = None,
        coverage: dict | None = None,
    ) -> int:
        """Make the source's figures for `period` (and `subjects`, default all) the staged ones.

        `sql` (one statement or several, run in order) inserts into
        evidence_incoming (it gets `params` plus period_id, period_start and
        period_end); `rows` are dicts with the same columns.
        `coverage` ({"days", "first", "last"}) tells how much data the period held.
        Returns the rows written.
        """
        cursor = self.cursor
        for statement in _STAGING:
            cursor.execute(statement)
        statements = [sql] if isinstance(sql, str) else list(sql or [])
        for statement in statements:
            cursor.execute(
                statement,
                {
                    **(params or {}),
                    "period_id": period.pk,
                    "period_start": period.start,
                    "period_end": period.end,
                },
            )
        if rows:
            cursor.executemany(
                "INSERT INTO evidence_incoming (challenge_id, area_id, name, value, details)"
                " VALUES (%s, %s, %s, %s, %s)",
                [
                    (
                        r.get("challenge_id"),
                        r.get("area_id"),
                        r["name"],
                        r.get("value"),
                        json.dumps(r.get("details") or {}, default=str),
                    )
                    for r in rows
                ],
            )
        cursor.execute("SELECT DISTINCT name FROM evidence_incoming")
        unknown = sorted(
            name for (name,) in cursor.fetchall() if measure_for(self.source, name) is None
        )
        if unknown:
            raise UnregisteredMeasure(
                f"{self.source} wrote figures it did not register: {', '.join(unknown)}"
            )
        if subjects is None:
            scope, scope_params = "TRUE", {}
        else:
            parts, scope_params = [], {}
            for kind, ids in subjects.items():
                column = SUBJECT_COLUMNS[kind]
                parts.append(f"e.{column} = ANY(%(ids_{kind})s::bigint[])")
                scope_params[f"ids_{kind}"] = list(ids)
            scope = " OR ".join(parts) or "FALSE"
        cursor.execute(
            _REPLACE.format(scope=scope),
            {"source": self.source, "period": period.pk, "now": self.now, **scope_params},
        )
        (written,) = cursor.fetchone()
        if coverage is not None:
            cursor.execute(
                "UPDATE civic_evidenceperiod"
                " SET coverage = coverage || jsonb_build_object(%s::text, %s::jsonb)"
                " WHERE id = %s",
                [self.source, json.dumps(coverage, default=str), period.pk],
            )
            if period.kind == EvidencePeriod.Kind.TO_DATE:
                # "Everything so far" spans the data its sources hold.
                cursor.execute(
                    """
                    UPDATE civic_evidenceperiod p SET
                        start = coalesce(c.first, p.start), "end" = coalesce(c.last, p."end")
                    FROM (SELECT min((v->>'first')::date) AS first, max((v->>'last')::date) AS last
                          FROM civic_evidenceperiod, jsonb_each(coverage) AS e(k, v)
                          WHERE id = %(id)s) c
                    WHERE p.id = %(id)s
                    """,
                    {"id": period.pk},
                )
        source = self.source
        transaction.on_commit(
            lambda: evidence_replaced.send(sender=EvidenceWriter, source=source, period=period),
            robust=True,
        )
        return written


@contextmanager
def evidence_writing(source: str) -> Iterator[EvidenceWriter]:
    """One transaction in which `source` replaces figures; runs of one source take turns."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtext('civic.evidence'), hashtext(%s))", [source]
        )
        yield EvidenceWriter(source=source, cursor=cursor)


# ------------------------------------------------------------------ pending work


def evidence_mark_stale(
    *,
    source: str | None = None,
    period: EvidencePeriod | None = None,
    subject_kind: str = "",
    subject_id: int | None = None,
    queue: bool = True,
) -> None:
    """Record that figures must be redone (all sources by default) and queue them after commit.

    `queue=False` when the caller's own task goes on to compute them.
    """
    if subject_kind and subject_kind not in SUBJECT_COLUMNS:
        raise ValueError(f"Unknown subject kind {subject_kind!r}.")
    registered = sources()
    names = [source] if source else list(registered)
    EvidenceStale.objects.bulk_create(
        EvidenceStale(source=name, period=period, subject_kind=subject_kind, subject_id=subject_id)
        for name in names
    )
    for name in names:
        if queue and name in registered:
            transaction.on_commit(_queue_safely(name))


def _queue_safely(name: str):
    def queue() -> None:
        try:
            sources()[name].queue()
        except Exception:  # committed markers stay: the beat sweep queues the source again
            logger.warning("Could not queue the %s evidence", name, exc_info=True)

    return queue


@dataclass
class StaleWork:
    """What a source must redo: whole periods, and some subjects in every period."""

    all_periods: bool = False
    periods: set[int] = field(default_factory=set)
    # Subjects to redo in every period (a subject created or moved).
    subjects: dict[str, set[int]] = field(default_factory=dict)
    claimed: int = 0

    @property
    def empty(self) -> bool:
        return not (self.all_periods or self.periods or self.subjects)


def evidence_claim_stale(*, source: str) -> StaleWork:
    """Take the source's markers (in the caller's transaction: a rollback puts them back)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            DELETE FROM civic_evidencestale s
            USING (SELECT id FROM civic_evidencestale WHERE source = %s
                   FOR UPDATE SKIP LOCKED) pick
            WHERE s.id = pick.id
            RETURNING s.period_id, s.subject_kind, s.subject_id
            """,
            [source],
        )
        markers = cursor.fetchall()
    work = StaleWork(claimed=len(markers))
    for period_id, kind, subject_id in markers:
        if kind and subject_id is not None:
            work.subjects.setdefault(kind, set()).add(subject_id)
        elif kind:  # every subject of one kind: simplest as whole periods
            work.all_periods = work.all_periods or period_id is None
            if period_id is not None:
                work.periods.add(period_id)
        elif period_id is None:
            work.all_periods = True
        else:
            work.periods.add(period_id)
    return work


def evidence_stale_sweep(*, older_than: timedelta = timedelta(minutes=1)) -> list[str]:
    """Queue every source that has markers nobody claimed for a while; returns their names."""
    registered = sources()
    with transaction.atomic():
        # A marker with an empty source (written by a migration, which knows no app)
        # stands for every source: hand each its own copy.
        for blank in EvidenceStale.objects.select_for_update(skip_locked=True).filter(source=""):
            evidence_mark_stale(
                period=blank.period, subject_kind=blank.subject_kind, subject_id=blank.subject_id
            )
            blank.delete()
    cutoff = timezone.now() - older_than
    waiting = set(
        EvidenceStale.objects.filter(marked_at__lte=cutoff)
        .values_list("source", flat=True)
        .distinct()
    )
    for name in sorted(waiting & set(registered)):
        _queue_safely(name)()
    return sorted(waiting & set(registered))


# ------------------------------------------------------------------ freshness


@dataclass(frozen=True)
class Freshness:
    """How fresh one source's figures about one subject are, for one period."""

    source: str
    label: str
    computed_at: datetime | None
    data_until: date | None
    pending: bool


def evidence_freshness(
    *, subject_kind: str, subject_ids: list[int], period: EvidencePeriod | None
) -> dict[int, list[Freshness]]:
    """Per subject and registered source: when its figures were computed, and if a redo waits.

    A subject a source never computed has computed_at None: no figure looks
    fresh just because the source ran for other subjects. Three queries,
    however many subjects.
    """
    from civic.models import Evidence
    from civic.periods import TO_DATE_KEY

    column = SUBJECT_COLUMNS[subject_kind]
    registered = sorted(sources().items())
    to_date = EvidencePeriod.objects.filter(key=TO_DATE_KEY).first()
    period_of = {name: (period if s.dated else to_date) for name, s in registered}
    wanted = Q(pk__in=[])
    for name, p in period_of.items():
        if p is not None:
            wanted |= Q(source=name, period=p)
    computed = {
        (row["source"], row[column]): row["at"]
        for row in Evidence.objects.filter(wanted, **{f"{column}__in": subject_ids})
        .values("source", column)
        .annotate(at=Max("computed_at"))
    }
    markers = list(
        EvidenceStale.objects.filter(source__in=[name for name, _s in registered]).values_list(
            "source", "period_id", "subject_kind", "subject_id"
        )
    )

    def pending(name: str, subject_id: int) -> bool:
        p = period_of[name]
        return any(
            source == name
            and (period_id is None or (p is not None and period_id == p.pk))
            and (not kind or (kind == subject_kind and sid in (None, subject_id)))
            for source, period_id, kind, sid in markers
        )

    result: dict[int, list[Freshness]] = {}
    for subject_id in subject_ids:
        result[subject_id] = []
        for name, source in registered:
            p = period_of[name]
            last = ((p.coverage.get(name) or {}).get("last")) if p is not None else None
            result[subject_id].append(
                Freshness(
                    source=name,
                    label=str(source.label),
                    computed_at=computed.get((name, subject_id)),
                    data_until=date.fromisoformat(last) if last else None,
                    pending=pending(name, subject_id),
                )
            )
    return result
