"""Writes bench/freshness_results.md from one run of bench/freshness.py."""

from __future__ import annotations

import statistics
from pathlib import Path

RESULTS = Path(__file__).with_name("freshness_results.md")
TARGET_S = 2.0


def _s(value, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f} s"


def _median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def _breakdown(burst: dict) -> dict | None:
    """Where the time went between the last answer and the commit, for the final round."""
    final = burst["final"]
    if not final:
        return None
    last = burst["last_answer"]
    periods = {key: seconds for key, seconds, _rows in final["periods"]}
    evidence_rest = final["evidence"] - final.get("prep", 0) - sum(periods.values())
    return {
        # negative: the round was under way when the last device got its answer
        "wait": final["start"] - last,
        "qc": final["qc"],
        "stats": final["stats"],
        "days": final["days"],
        "prep": final.get("prep"),
        "periods": periods,
        "commit": final.get("commit"),
        "evidence_rest": evidence_rest - (final.get("commit") or 0),
        "total": final["committed_at"] - last,
    }


def write_results(r: dict) -> None:
    f = r["facts"]
    w = r["world"]
    bursts = r["bursts"]
    fresh = r["fresh_committed"]
    soil = sum(1 for d in w.devices if d.soil)
    keys = bursts[0]["periods"] if bursts else []
    lines = [
        "# Freshness as users live it: results",
        "",
        f"Run {r['started']} - {r['finished']} ({r['duration'] / 60:.1f} min),"
        f" `bash bench/freshness.sh {' '.join(r['argv'])}`. Written by bench/freshness.py;"
        " overwritten on every run.",
        f"Code: commit {r['git']}.",
        "",
        f"**{len(w.devices):,} devices POST their hour; the hour's challenge and neighbourhood"
        f" evidence is committed {_s(fresh)} after the last device got its answer"
        f" (median of {len(bursts)}; target ≤ {TARGET_S:.0f} s, debounce included):"
        f" {'PASS' if fresh is not None and fresh <= TARGET_S else 'FAIL'}.**"
        f" The POST phase itself took {_s(r['post_phase'], 1)} (median). One device"
        f" alone: {_s(r.get('fresh_lone'))} after its answer (median).",
        "",
        "## Machine",
        "",
        "| fact | value |",
        "|---|---|",
        f"| nproc | {f['nproc']} ({f['cpu']}), {f['memory']} |",
        f"| load average (1, 5, 15 min) at start | {_load(r['load_start'])} |",
        f"| load average at end | {_load(r['load_end'])} |",
        "| other work | other engineers' test suites and browsers shared the 2 cores"
        " (the load above; every figure here grows with it) |",
        f"| PostgreSQL | {f['postgres']}, PostGIS {f['postgis']}; shared_buffers"
        f" {f['shared_buffers']}, work_mem {f['work_mem']}, fsync {f['fsync']},"
        f" synchronous_commit {f['synchronous_commit']} (the server's defaults: every"
        " ingest waits for its WAL flush, as in production) |",
        f"| database | `{f['database']}`, dropped and created for the run |",
        f"| web server | gunicorn, {r['args']['web_workers']} sync workers"
        " (`civic.wsgi`, settings `bench.freshness_settings` = the run settings with"
        " timestamped logs) |",
        f"| worker | `celery -A civic worker -Q evidence,default,ingest -c"
        f" {r['args']['worker_concurrency']}` (as scripts/run.sh), debounce"
        f" SENSORS_RECOMPUTE_DEBOUNCE_S = {bursts[0]['debounce'] if bursts else '?'} s |",
        f"| clients | {r['args']['clients']} threads, one new HTTP connection per device |",
        "",
        "## Data",
        "",
        f"- {len(w.devices):,} sensors registered through `sensor_register` (public 100 m cell,"
        f" neighbourhood, device token) at random places in the demo district Stadshagen;"
        f" all measure air temperature, {soil} also soil moisture (hourly).",
        f"- The demo's areas (Zwolle, Stadshagen, {w.neighbourhoods} neighbourhoods) and"
        f" {w.challenges} challenges (the demo's three, nine more at its spots and across"
        " the district, 300-500 m circles), made through civic.services.",
        f"- Last summer, {w.summer[0]} - {w.summer[1]}: daily statistics of every sensor"
        " generated from the same weather (a heat wave in July); anomalies and soil spells"
        " by the statistics' own SQL. Its readings are not loaded (13 M rows would take"
        " ~10 min here); only the statistics feed the evidence.",
        f"- {w.recent[0]} - {w.recent[1]}: {w.readings:,} readings, written day by day in"
        " time order as a live network writes them, with QC"
        f" ({w.flags:,} flags) and daily statistics by the production code.",
        f"- Sensor-days in all: {w.sensor_days:,}; evidence computed for every period.",
        f"- Periods holding the hour's day (the ones the clock waits for): {', '.join(keys)}."
        + (
            f" Out of season no warm season holds today, so an officer's period of a season's"
            f" length up to today (`{w.stand_in}`) stands in for the current season."
            if w.stand_in
            else ""
        ),
        f"- The hour sent: {r['hour']:%Y-%m-%d %H:%M} UTC, 6 ten-minute air temperatures"
        " per device (plus one soil moisture for the soil sensors); by default the last hour"
        " of the latest complete local day, so QC and statistics work on a whole day.",
        "",
        "Preload (s): "
        + ", ".join(f"{k} {v:.0f}" for k, v in w.preload_s.items())
        + (" (reused from an earlier run)" if not w.preload_s else "")
        + ".",
        "",
        "| table | rows | table size | index size |",
        "|---|---:|---:|---:|",
        *[f"| {name} | {rows:,} | {size} | {isize} |" for name, rows, size, isize in r["sizes"]],
        "",
        "## When is the hour's evidence committed",
        "",
        "Polled every 20 ms from the bench after the last answer: (1) no dirty (sensor, day)"
        " marker of the hour's day is left, so the statistics that claimed them committed,"
        " and with them the stale markers of the periods holding that day; (2) no stale"
        " marker of the sensors' evidence is left, so the evidence run that claimed them"
        " committed (claim and figures are one transaction); (3) every challenge and"
        " neighbourhood that had sensor figures for those periods before the burst has them"
        " again with `computed_at` after the first POST. The figure reported is the commit"
        " of the round that made it so (its log line, `sensor evidence committed`) minus the"
        " moment the last device got its answer; the poll saw it a few ms later.",
        "",
        "## Results",
        "",
        "| burst | load | POST phase | requests/s | answer p50 / p95 | rounds | messages"
        " | fresh after the last answer | seen by the poll |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for i, b in enumerate(bursts):
        lines.append(
            f"| {i + 1} | {b['load']:.1f} | {_s(b['post_phase'], 1)} | {b['rate']:.0f} |"
            f" {b['p50']:.2f} / {b['p95']:.2f} s | {len(b['rounds'])} | {len(b['messages'])} |"
            f" **{_s(b['fresh_committed'])}** | {_s(b['fresh_seen'])} |"
        )
    replay = r.get("replay")
    if replay:
        lines += [
            "",
            f"Replay first (every device sends the hour before again; nothing is stored or"
            f" queued; it also warms the web workers up): {_s(replay['post_phase'], 1)},"
            f" {replay['rate']:.0f} requests/s, answer p50 / p95 {replay['p50']:.2f} /"
            f" {replay['p95']:.2f} s.",
        ]
    lone = r.get("lone") or []
    if lone:
        lines += [
            "",
            "### One device alone",
            "",
            f"A resident's device sends its hour while the others are quiet (median of"
            f" {len(lone)}: **{_s(r['fresh_lone'] or _median([b['fresh_seen'] for b in lone]))}**"
            " after its answer). Nothing runs when"
            " it arrives, so it waits for the whole debounce before its round starts.",
            "",
            "| repetition | rounds | its answer took | wait | QC | statistics | evidence"
            " | fresh after the answer |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for i, b in enumerate(lone):
            d = _breakdown(b)
            if d is None:
                # no round in the worker's log (code without step logging): the poll's figure
                seen = _s(b["fresh_seen"]) if b["fresh_seen"] is not None else "not fresh"
                lines.append(f"| {i + 1} | - | {b['p50']:.2f} s | | | | | {seen} (poll) |")
                continue
            lines.append(
                f"| {i + 1} | {len(b['rounds'])} | {b['p50']:.2f} s |"
                f" {d['wait']:+.2f} s | {_s(d['qc'])} | {_s(d['stats'])} |"
                f" {_s(b['final']['evidence'])} | **{_s(d['total'])}** |"
            )
    lines += [
        "",
        "### Where the time goes: the round that made the hour fresh",
        "",
        "Times from the worker's log (`sensors.tasks` and `sensors.evidence` log each"
        " step). *Wait* is from the last answer to the start of that round: negative when"
        " the round was already under way (it started its QC before the last device's"
        " answer but claimed that device's marker after it was committed).",
        "",
        "| burst | wait | QC of the day | statistics (sensor-days) | evidence: claim and"
        " heat waves | "
        + " | ".join(f"evidence: {k}" for k in keys)
        + " | commit | other | total |",
        "|---|---:|---:|---:|---:|" + "---:|" * len(keys) + "---:|---:|---:|",
    ]
    for i, b in enumerate(bursts):
        d = _breakdown(b)
        if d is None:
            lines.append(f"| {i + 1} | not fresh within {r['args']['timeout']:.0f} s |")
            continue
        lines.append(
            f"| {i + 1} | {d['wait']:+.2f} s | {_s(d['qc'])} | {_s(d['stats'])} ({d['days']})"
            f" | {_s(d['prep'])} | "
            + " | ".join(_s(d["periods"].get(k)) for k in keys)
            + f" | {_s(d['commit'], 3)} | {_s(d['evidence_rest'])} | {_s(d['total'])} |"
        )
    lines += [
        "",
        "All rounds of each burst (start relative to the first POST; QC / statistics / evidence):",
        "",
    ]
    for i, b in enumerate(bursts):
        rounds = [
            f"{x['start'] - b['first_sent']:.1f} s: {x['qc']:.2f} / {x['stats']:.2f}"
            f" ({x['days']}) / {x['evidence']:.2f}"
            for x in b["rounds"]
            if x["start"] >= b["first_sent"] - 0.5
        ]
        lines.append(
            f"- burst {i + 1} (last answer at {b['post_phase']:.1f} s): " + "; ".join(rounds)
        )
    lines.append("")
    RESULTS.write_text("\n".join(lines))


def _load(values) -> str:
    return " / ".join(f"{v:.2f}" for v in values)
