"""Pages of priority: the ranking (officers and council), the weights and the council's themes."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civic import periods
from civic.challenge_parts import stages_for
from civic.evidence import evidence_freshness
from civic.models import Challenge, EvidencePeriod, Theme
from civic.roles import ADMIN, COUNCIL, is_staff_member, user_has_role
from priority import selectors, services
from priority.criteria import CRITERIA

# ASCII digits only: str.isdigit() accepts "²", which int() then refuses (a 500).
WHOLE_NUMBER = re.compile(r"[0-9]+")


def _may_read(user) -> bool:
    return is_staff_member(user) or user_has_role(user, COUNCIL)


def _readers_only(request) -> None:
    # Residents and anonymous visitors get the site's 403 page (not a login redirect:
    # signing in as a resident would not help).
    if not _may_read(request.user):
        raise PermissionDenied


def challenge_url(pk: int) -> str:
    """The challenge's public page."""
    return reverse("civic:challenge_detail", args=[pk])


def _freshness_summary(ids: list[int], period) -> list[dict]:
    """Per source: when its figures about the ranked challenges were computed, data until when."""
    if not ids:
        return []
    per_source: dict[str, dict] = {}
    for items in evidence_freshness(
        subject_kind="challenge", subject_ids=ids, period=period
    ).values():
        for item in items:
            seen = per_source.setdefault(
                item.source,
                {
                    "label": item.label,
                    "computed_at": None,
                    "data_until": item.data_until,
                    "pending": False,
                },
            )
            if item.computed_at and (
                seen["computed_at"] is None or item.computed_at < seen["computed_at"]
            ):
                # The oldest figure is what "as fresh as" can promise.
                seen["computed_at"] = item.computed_at
            seen["pending"] = seen["pending"] or item.pending
    return list(per_source.values())


def ranking(request):
    """The ranked challenges with the why of each, the weights in force and the evidence's age."""
    _readers_only(request)
    try:
        chosen = periods.period_from_param(request.GET.get("period"))
    except ValidationError as error:
        return render(
            request,
            "civic/period_error.html",
            {"message": " ".join(error.message_dict["period"])},
            status=400,
        )
    return _ranking_page(request, chosen or selectors.ranking_default_period())


def _ranking_page(request, period, *, problems: dict | None = None, status: int = 200):
    entries = selectors.ranking(period)
    # Where each challenge stands in the workflow (e.g. a proposal awaiting a decision),
    # derived by the apps: the council sees what waits for it next to why it ranks.
    stages = stages_for([entry.challenge for entry in entries])
    for entry in entries:
        entry.url = challenge_url(entry.challenge.pk)
        entry.stage = stages[entry.challenge.pk]
        entry.problems = (problems or {}).get(entry.challenge.pk, {})
    version = selectors.weights_in_force()
    computed_at = max((e.score.computed_at for e in entries), default=None)
    return render(
        request,
        "priority/ranking.html",
        {
            "entries": entries,
            "period": period,
            "period_label": periods.period_label(period) if period else "",
            "periods": list(periods.periods_with_data()),
            "version": version,
            "version_role": selectors.role_word(version.created_by) if version else "",
            "weights": _weights_rows(selectors.weights_values(version)),
            "freshness": _freshness_summary([e.challenge.pk for e in entries], period),
            "computed_at": computed_at,
            "is_officer": is_staff_member(request.user),
            "criteria_total": len(CRITERIA),
        },
        status=status,
    )


def _weights_rows(weights: dict[str, float]) -> list[dict]:
    total = sum(weights.values()) or 1.0
    return [
        {
            "key": c.key,
            "label": c.label,
            "explanation": c.explanation,
            "weight": weights.get(c.key, 0.0),
            "share": 100 * weights.get(c.key, 0.0) / total,
        }
        for c in CRITERIA
    ]


def _weights_page(request, *, errors: dict | None = None, posted: dict | None = None, status=200):
    version = selectors.weights_in_force()
    current = selectors.weights_values(version)
    history = selectors.weights_history()
    for item in history:
        item.role = selectors.role_word(item.created_by)
        item.rows = _weights_rows(selectors.weights_values(item))
    themes_history = selectors.council_themes_history()
    for item in themes_history:
        item.role = selectors.role_word(item.created_by)
    errors = errors or {}
    form_rows = [
        {
            **row,
            "value": (posted or {}).get(row["key"], row["weight"]),
            "errors": errors.get(f"weights.{row['key']}", []),
        }
        for row in _weights_rows(current)
    ]
    in_force = themes_history[0] if themes_history else None
    return render(
        request,
        "priority/weights.html",
        {
            "version": version,
            "version_role": selectors.role_word(version.created_by) if version else "",
            "rows": form_rows,
            "history": history,
            "errors": errors,
            "general_errors": errors.get("weights", [])
            + errors.get("note", [])
            + errors.get("themes", []),
            "note": (posted or {}).get("note", ""),
            "is_officer": is_staff_member(request.user),
            "is_admin": user_has_role(request.user, ADMIN),
            "themes": list(Theme.objects.filter(is_active=True)),
            "council_themes": in_force,
            "council_theme_ids": {t.pk for t in in_force.themes.all()} if in_force else set(),
            "themes_history": themes_history,
        },
        status=status,
    )


def weights(request):
    """The weights in force and every earlier version; officers set a new version here."""
    _readers_only(request)
    if request.method != "POST":
        return _weights_page(request)
    if not is_staff_member(request.user):
        raise PermissionDenied
    posted = {c.key: request.POST.get(f"weight_{c.key}", "") for c in CRITERIA}
    posted["note"] = request.POST.get("note", "")
    values: dict = {}
    errors: dict[str, list[str]] = {}
    for c in CRITERIA:
        text = posted[c.key].strip().replace(",", ".")
        try:
            values[c.key] = float(text)
        except ValueError:
            errors[f"weights.{c.key}"] = [_("Give a number.")]
    if not errors:
        try:
            version = services.weights_version_create(
                actor=request.user, weights=values, note=posted["note"]
            )
        except ValidationError as error:
            errors = error.message_dict
        else:
            messages.success(
                request,
                _("Weights version %(number)s is in force; the scores are being recomputed.")
                % {"number": version.number},
            )
            return redirect("priority:weights")
    return _weights_page(request, errors=errors, posted=posted, status=400)


@require_POST
def council_themes(request):
    """An administrator marks the council's priority themes (a new, audited version)."""
    if not user_has_role(request.user, ADMIN):
        raise PermissionDenied
    posted = request.POST.getlist("themes")
    ids = [int(v) for v in posted if WHOLE_NUMBER.fullmatch(v)]
    chosen = list(Theme.objects.filter(pk__in=ids))
    if len(ids) != len(posted) or len(chosen) != len(set(ids)):
        # A theme that is not one of ours is refused, not silently dropped.
        return _weights_page(
            request, errors={"themes": [_("Choose themes from the list.")]}, status=400
        )
    try:
        services.council_themes_set(
            actor=request.user, themes=chosen, note=request.POST.get("note", "")
        )
    except ValidationError as error:
        return _weights_page(request, errors=error.message_dict, status=400)
    messages.success(request, _("The council's priority themes are recorded."))
    return redirect("priority:weights")


@require_POST
def override(request, pk: int):
    """An officer pins a challenge at a place in the ranking, or withdraws that, with a reason."""
    if not is_staff_member(request.user):
        raise PermissionDenied
    challenge = get_object_or_404(Challenge, pk=pk)
    reason = request.POST.get("reason", "")
    try:
        if request.POST.get("action") == "withdraw":
            services.override_withdraw(actor=request.user, challenge=challenge, reason=reason)
        else:
            text = request.POST.get("position", "").strip()
            position = int(text) if WHOLE_NUMBER.fullmatch(text) else None
            services.override_set(
                actor=request.user, challenge=challenge, position=position, reason=reason
            )
    except ValidationError as error:
        period = _posted_period(request) or selectors.ranking_default_period()
        return _ranking_page(
            request, period, problems={challenge.pk: error.message_dict}, status=400
        )
    messages.success(request, _("The ranking override is recorded."))
    return redirect(_back(request))


def _posted_period(request):
    key = request.POST.get("period", "")
    return EvidencePeriod.objects.filter(key=key).first() if key else None


def _back(request) -> str:
    url = reverse("priority:ranking")
    period = _posted_period(request)
    if period is not None:
        url += "?" + urlencode({"period": period.key})
    return url
