"""The priority part of the Stadshagen demo: weights, the council's themes, scores, a prioritising.

Runs after the core, surveys and sensors demos (INSTALLED_APPS order), so the
scores stand on their evidence. What it does, through the real services:
the demo officer sets the first weights version (every criterion the same),
the demo administrator marks heat as the council's priority theme (the
coalition agreement), the scores are computed at once (not by a worker), and
the officer moves the shopping-centre heat challenge from open to
prioritised through civic.workflow, which records its score and breakdown.
Idempotent: a second run finds the versions and the snapshot and adds nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from civic import workflow
from civic.demo import story_dates
from civic.models import Challenge, Theme, User
from priority import services
from priority.criteria import equal_weights
from priority.models import CouncilThemesVersion, Snapshot, WeightsVersion

Progress = Callable[[str], None]
SHOPPING_CENTRE = "Hittestress rond winkelcentrum Stadshagen"
COUNCIL_THEME = "heat"


def load_demo(progress: Progress = print, **kwargs) -> dict[str, int]:
    """Load (or leave as it is) the priority demo; returns what was new."""
    officer = User.objects.filter(username="officer").first()
    admin = User.objects.filter(username="admin").first()
    if officer is None or admin is None:
        raise RuntimeError("Load the core demo first (it creates the officer and the admin).")
    new = {"weights": 0, "council_themes": 0, "snapshots": 0}
    if not WeightsVersion.objects.exists():
        services.weights_version_create(
            actor=officer,
            weights=equal_weights(),
            note="Eerste versie: alle criteria wegen even zwaar tot de raad anders besluit.",
        )
        new["weights"] = 1
    if not CouncilThemesVersion.objects.exists():
        services.council_themes_set(
            actor=admin,
            themes=list(Theme.objects.filter(slug=COUNCIL_THEME)),
            note="Coalitieakkoord: hittestress aanpakken heeft voorrang.",
        )
        new["council_themes"] = 1
    scores = services.scores_recompute()
    progress(f"Priority: {scores} scores computed")
    challenge = Challenge.objects.filter(title=SHOPPING_CENTRE).first()
    if challenge is None:
        progress(f"Priority: no challenge “{SHOPPING_CENTRE}” (kept as it is)")
    elif (
        challenge.status == Challenge.Status.OPEN
        and not Snapshot.objects.filter(challenge=challenge).exists()
    ):
        # Prioritised in the spring before the works (civic.demo.story_dates).
        with workflow.recorded_at(story_dates()["prioritised"]):
            workflow.transition(
                challenge,
                Challenge.Status.PRIORITISED,
                actor=officer,
                note="Hoogste score op bewijs: de warmste nachten van Stadshagen, veel ouderen.",
            )
        new["snapshots"] = 1
        services.scores_recompute()
        progress(f"Priority: “{SHOPPING_CENTRE}” prioritised on its score")
    else:
        progress(f"Priority: “{SHOPPING_CENTRE}”: {challenge.status} (kept)")
    return new
