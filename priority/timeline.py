"""Priority's entry in a challenge's public timeline: the score it had when it was prioritised.

From the snapshot taken as the challenge moved to *prioritised* (one per move):
the score, its place in the ranking and the period it describes. The ranking is
public, so are these numbers; who moved it is not said.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from civic.challenge_parts import TimelineEntry
from civic.models import Challenge
from civic.periods import period_label
from priority.models import Snapshot

# Right after the core's "Challenge prioritised" (30) and its evidence (40).
ORDER_PRIORITY = 50


def priority_timeline(challenge: Challenge) -> list[TimelineEntry]:
    """One entry per move to prioritised, with the score recorded then (one query)."""
    snapshots = Snapshot.objects.filter(challenge=challenge).select_related("period")
    url = reverse("civic:challenge_detail", args=[challenge.pk]) + "#priority"
    entries = []
    for snapshot in snapshots:
        if snapshot.value is None:
            title = _("Prioritised without a score")
            text = _("No weighted criterion had data at that moment.")
        else:
            title = _("Prioritised with a score of %(score)s of 100") % {
                "score": number_format(round(snapshot.value, 1), decimal_pos=1)
            }
            text = ""
            if snapshot.rank:
                text = _("Place %(rank)d of %(count)d in the ranking.") % {
                    "rank": snapshot.rank,
                    "count": snapshot.ranked_count,
                }
            if snapshot.period is not None:
                text = f"{text} " + _("Period: %(period)s.") % {
                    "period": period_label(snapshot.period)
                }
        entries.append(
            TimelineEntry(
                day=timezone.localdate(snapshot.created_at),
                kind="priority",
                title=title,
                text=text.strip(),
                url=url,
                order=ORDER_PRIORITY,
            )
        )
    return entries
