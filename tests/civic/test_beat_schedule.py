"""Every app's periodic jobs and queues reach Celery, as beat and the web server load them."""

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

from civic.celery import app

ROOT = Path(__file__).resolve().parents[2]
# name -> task: the core's entry from the settings, the apps' from their AppConfig.ready().
EXPECTED = {
    "notifications-sweep": "civic.notifications_sweep",
    "evidence-sweep": "civic.evidence_sweep",
    "periods-roll": "civic.periods_roll",
    "sensors-dirty-days-sweep": "sensors.sweep_dirty_days",
    "sensors-month-qc": "sensors.month_qc",
    "sensors-reading-imports-sweep": "sensors.sweep_reading_imports",
    "sensors-mark-silent": "sensors.mark_silent",
    "surveys-signal-sweep": "surveys.recompute_signal",
    "interventions-close-consultations": "interventions.close_consultations",
    "interventions-evaluations-sweep": "interventions.evaluations_sweep",
    "interventions-followups-send": "interventions.followups_send",
    "priority-recompute-sweep": "priority.recompute_scores",
}


def _beat_schedule_as_started_by_run_sh(tmp_path: Path) -> dict[str, str]:
    """Start `celery -A civic beat` as scripts/run.sh does; read the schedule it announces."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "civic.settings.local"}
    log = tmp_path / "beat.log"
    command = [sys.executable, "-m", "celery", "-A", "civic", "beat", "-l", "debug"]
    command += ["-s", str(tmp_path / "beat-schedule"), "--logfile", str(log)]
    beat = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and beat.poll() is None:
            # The schedule is logged once, before the first tick.
            if log.exists() and "beat: Ticking" in log.read_text():
                break
            time.sleep(0.2)
        text = log.read_text() if log.exists() else ""
        assert "Current schedule" in text, beat.stderr.read().decode() if beat.poll() else text
    finally:
        beat.terminate()
        beat.wait(15)
    # <ScheduleEntry: sensors-mark-silent sensors.mark_silent() <freq: 15.00 minutes>
    return dict(re.findall(r"<ScheduleEntry: (\S+) (\S+)\(", text))


def test_celery_beat_runs_the_jobs_of_the_core_and_of_every_app(tmp_path):
    announced = _beat_schedule_as_started_by_run_sh(tmp_path)

    assert announced == {**announced, **EXPECTED}
    # Each is a task the worker finds (it discovers every installed app's tasks module).
    app.autodiscover_tasks(force=True)
    for task in EXPECTED.values():
        assert task in app.tasks


def test_the_running_process_has_the_same_schedule():
    scheduled = {name: entry["task"] for name, entry in app.conf.beat_schedule.items()}

    assert scheduled == EXPECTED


@pytest.mark.parametrize(
    ("task", "queue"),
    [
        ("sensors.import_readings_file", "ingest"),
        ("sensors.recompute_dirty_days", "evidence"),
        ("sensors.month_qc", "evidence"),
        ("sensors.mark_silent", "default"),
        ("surveys.recompute_signal", "evidence"),
        ("priority.recompute_scores", "evidence"),
        ("interventions.close_consultations", "default"),
        ("interventions.evaluate", "evidence"),
        ("interventions.evaluations_sweep", "evidence"),
        ("interventions.followups_send", "default"),
        ("civic.notify_workflow_event", "default"),
    ],
)
def test_each_task_is_sent_to_its_apps_queue(task, queue):
    # The router the web server and the worker use to publish.
    assert app.amqp.router.route({}, task)["queue"].name == queue


def test_the_core_settings_name_no_app_job():
    tasks = [entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()]

    assert tasks == ["civic.notifications_sweep", "civic.evidence_sweep", "civic.periods_roll"]
    assert not getattr(settings, "CELERY_TASK_ROUTES", None)
