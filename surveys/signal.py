"""The survey signal: how many respondents in a challenge's area named its theme.

Written as rows of the core's evidence table (source "surveys"), so scoring
and pages read it like any other evidence. Definitions:

- **Counted responses**: responses to surveys that are not drafts (open,
  closed or archived) whose respondent's neighbourhood (``Response.area``:
  from the invitation code, the resident's choice or their first map point)
  is known. Each response is one respondent; a resident who answered two
  surveys counts once in each.
- **A challenge's area**: its ``area`` when set; otherwise the
  neighbourhoods its geometry overlaps (sharing only a border does not
  count). A challenge without either gets no row.
- **Respondents in the area**: counted responses whose neighbourhood is the
  area itself or lies inside it, to surveys that offered the theme (an
  option or a map-point question with it): one can only name what one was
  asked about, so a survey on drought does not dilute the flooding share.
  "Inside" is geometric — the neighbourhood's point on surface lies within
  the area — rather than the ``Area.parent`` chain, so it also holds for
  areas imported without parents.
- **Named its theme**: the response chose an option with that theme (single
  and multiple choice), put one in its top RANKING_TOP (ranking), or gave a
  map point to a question with that theme. Several mentions still count once.
- **The figure** ``theme_named_share`` = named / respondents (0-1), for every
  challenge that is not closed and has at least one respondent in its area.
  Below MIN_GROUP respondents the value is NULL and the details say
  ``suppressed`` (no counts, no dates): small groups must not reveal what
  a few neighbours answered. The same threshold as the survey results.
- **Per neighbourhood**: ``theme_named_share_<theme slug>`` for each active
  theme a survey offered, on the respondent's neighbourhood, with the same
  rules.

Everything is set-based SQL in one transaction: rows are upserted, and rows
of this source that no longer qualify (a closed challenge, a challenge whose
area lost its respondents, a theme renamed) are deleted. Recomputing twice
gives the same rows (computed_at aside).
"""

from __future__ import annotations

from django.conf import settings

from civic.evidence import evidence_claim_stale, evidence_writing
from civic.periods import to_date_period

SOURCE = "surveys"
NAME = "theme_named_share"
AREA_NAME_PREFIX = "theme_named_share_"
# Small-group privacy: fewer respondents than this and no figure is shown.
MIN_GROUP = 5
# A ranking names the themes of its first three options.
RANKING_TOP = 3

# The responses that count and, once per (response, theme), the themes they named.
_COMMON_CTE = """
counted AS MATERIALIZED (
    SELECT r.id, r.area_id, r.survey_id, r.submitted_at
    FROM surveys_response r
    JOIN surveys_survey s ON s.id = r.survey_id
    WHERE s.status <> 'draft' AND r.area_id IS NOT NULL
), named AS MATERIALIZED (
    SELECT a.response_id, o.theme_id
    FROM surveys_answer a
    JOIN counted r ON r.id = a.response_id
    JOIN surveys_question q ON q.id = a.question_id
    CROSS JOIN LATERAL unnest(
        CASE WHEN q.kind = 'ranking' THEN a.options[1:%(ranking_top)s] ELSE a.options END
    ) AS chosen(option_id)
    JOIN surveys_option o ON o.id = chosen.option_id AND o.question_id = q.id
    WHERE q.kind IN ('single_choice', 'multiple_choice', 'ranking')
      AND o.theme_id IS NOT NULL
    UNION
    SELECT a.response_id, q.theme_id
    FROM surveys_answer a
    JOIN counted r ON r.id = a.response_id
    JOIN surveys_question q ON q.id = a.question_id
    WHERE q.kind = 'map_point' AND q.theme_id IS NOT NULL AND a.point IS NOT NULL
), offered AS MATERIALIZED (
    -- (survey, theme) once for each theme a survey lets its respondents name
    SELECT q.survey_id, o.theme_id
    FROM surveys_question q
    JOIN surveys_option o ON o.question_id = q.id
    WHERE q.kind IN ('single_choice', 'multiple_choice', 'ranking')
      AND o.theme_id IS NOT NULL
    UNION
    SELECT q.survey_id, q.theme_id
    FROM surveys_question q
    WHERE q.kind = 'map_point' AND q.theme_id IS NOT NULL
)
"""

# The figure's value and details; `f` has respondents, named, surveys, first_at, last_at.
_VALUE = """
    CASE WHEN f.respondents >= %(min_group)s THEN f.named::float / f.respondents END
"""
_DETAILS = """
    CASE WHEN f.respondents >= %(min_group)s THEN jsonb_build_object(
        'suppressed', false,
        'respondents', f.respondents,
        'named', f.named,
        'period', jsonb_build_array(
            (f.first_at AT TIME ZONE %(tz)s)::date, (f.last_at AT TIME ZONE %(tz)s)::date))
    ELSE jsonb_build_object(
        'suppressed', true, 'respondents', NULL, 'named', NULL, 'period', NULL)
    END || jsonb_build_object('min_group', %(min_group)s, 'surveys', to_jsonb(f.surveys))
"""

# The statements are composed of the module's constants only (hence the noqa).
_CHALLENGE_SQL = (
    "WITH "  # noqa: S608
    + _COMMON_CTE
    + """
, challenge_areas AS (
    -- the neighbourhoods (areas) whose respondents count for each open challenge,
    -- and the code(s) that name the challenge's area in the details
    SELECT c.id AS challenge_id, c.theme_id, ca.id AS area_id, ca.code AS label
    FROM civic_challenge c
    JOIN civic_area ca ON ca.id = c.area_id
    WHERE c.status <> 'closed'
    UNION
    SELECT c.id, c.theme_id, n.id, ca.code
    FROM civic_challenge c
    JOIN civic_area ca ON ca.id = c.area_id
    JOIN civic_area n ON ca.geometry && n.geometry
        AND ST_Covers(ca.geometry, ST_PointOnSurface(n.geometry))
    WHERE c.status <> 'closed'
    UNION
    SELECT c.id, c.theme_id, n.id, n.code
    FROM civic_challenge c
    JOIN civic_area n ON n.kind = 'neighbourhood'
        AND ST_Intersects(n.geometry, c.geometry) AND NOT ST_Touches(n.geometry, c.geometry)
    WHERE c.status <> 'closed' AND c.area_id IS NULL AND c.geometry IS NOT NULL
), labels AS (
    SELECT challenge_id, jsonb_agg(DISTINCT label ORDER BY label) AS areas
    FROM challenge_areas GROUP BY challenge_id
), f AS (
    SELECT ca.challenge_id, t.slug AS theme,
           count(DISTINCT r.id) AS respondents,
           count(DISTINCT nm.response_id) AS named,
           array_agg(DISTINCT r.survey_id ORDER BY r.survey_id) AS surveys,
           min(r.submitted_at) AS first_at, max(r.submitted_at) AS last_at
    FROM challenge_areas ca
    JOIN civic_theme t ON t.id = ca.theme_id
    JOIN counted r ON r.area_id = ca.area_id
    JOIN offered ov ON ov.survey_id = r.survey_id AND ov.theme_id = ca.theme_id
    LEFT JOIN named nm ON nm.response_id = r.id AND nm.theme_id = ca.theme_id
    GROUP BY ca.challenge_id, t.slug
)
INSERT INTO evidence_incoming (challenge_id, name, value, details)
SELECT f.challenge_id, %(name)s,"""
    + _VALUE
    + ","
    + _DETAILS
    + """ || jsonb_build_object('theme', f.theme, 'areas', l.areas)
FROM f JOIN labels l ON l.challenge_id = f.challenge_id
"""
)

_AREA_SQL = (
    "WITH "  # noqa: S608
    + _COMMON_CTE
    + """
, f AS (
    SELECT r.area_id, %(prefix)s || t.slug AS name, t.slug AS theme,
           count(*) AS respondents, count(nm.response_id) AS named,
           array_agg(DISTINCT r.survey_id ORDER BY r.survey_id) AS surveys,
           min(r.submitted_at) AS first_at, max(r.submitted_at) AS last_at
    FROM counted r
    JOIN offered ov ON ov.survey_id = r.survey_id
    JOIN civic_theme t ON t.id = ov.theme_id
    LEFT JOIN named nm ON nm.response_id = r.id AND nm.theme_id = t.id
    WHERE t.is_active
    GROUP BY r.area_id, t.slug
)
INSERT INTO evidence_incoming (area_id, name, value, details)
SELECT f.area_id, f.name,"""
    + _VALUE
    + ","
    + _DETAILS
    + """ || jsonb_build_object('theme', f.theme)
FROM f
"""
)


_COVERAGE_SQL = """
SELECT count(DISTINCT (r.submitted_at AT TIME ZONE %(tz)s)::date),
       min((r.submitted_at AT TIME ZONE %(tz)s)::date),
       max((r.submitted_at AT TIME ZONE %(tz)s)::date)
FROM surveys_response r JOIN surveys_survey s ON s.id = r.survey_id
WHERE s.status <> 'draft' AND r.area_id IS NOT NULL
"""


def signal_recompute() -> int:
    """Rewrite the survey signal of every challenge and neighbourhood; returns rows written.

    The signal counts every answer so far: it is written for the core's
    "everything so far" period, through the core's evidence contract (which
    removes the figures that no longer qualify and lets one run at a time write).
    """
    params = {
        "name": NAME,
        "prefix": AREA_NAME_PREFIX,
        "min_group": MIN_GROUP,
        "ranking_top": RANKING_TOP,
        "tz": settings.TIME_ZONE,
    }
    period = to_date_period()
    with evidence_writing(SOURCE) as writer:
        # Every figure is redone, so every marker is settled by this run.
        evidence_claim_stale(source=SOURCE)
        writer.cursor.execute(_COVERAGE_SQL, params)
        days, first, last = writer.cursor.fetchone()
        return writer.replace(
            period=period,
            sql=[_CHALLENGE_SQL, _AREA_SQL],
            params=params,
            coverage={"days": days, "first": first, "last": last},
        )
