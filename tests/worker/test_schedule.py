"""Scheduled work runs when due, once across workers, and a failing job neither stops the others nor is lost."""

import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from staffroom.worker import schedule
from staffroom.worker.models import ScheduledJob

pytestmark = pytest.mark.django_db


def counting_job(name="count", every=timedelta(hours=1)):
    runs = []

    def run(now):
        runs.append(now)
        return {"runs": len(runs)}

    return schedule.Job(name, every, run), runs


def test_a_job_runs_when_due_and_not_again_until_its_interval_has_passed():
    job, _runs = counting_job()
    now = timezone.now()
    assert schedule.run_due(now, jobs=[job]) == {"count": {"runs": 1}}
    assert schedule.run_due(now + timedelta(minutes=59), jobs=[job]) == {}
    assert schedule.run_due(now + timedelta(hours=1), jobs=[job]) == {"count": {"runs": 2}}
    row = ScheduledJob.objects.get(name="count")
    assert row.last_result == {"runs": 2} and row.locked_until is None


def test_a_job_another_worker_is_running_is_left_alone_until_its_lease_ends():
    job, _runs = counting_job()
    now = timezone.now()
    ScheduledJob.objects.create(name="count", next_run_at=now, locked_until=now + timedelta(minutes=5))
    assert schedule.run_due(now, jobs=[job]) == {}
    assert schedule.run_due(now + timedelta(minutes=6), jobs=[job]) == {"count": {"runs": 1}}


def test_a_failing_job_is_recorded_rescheduled_and_does_not_stop_the_others():
    def broken(now):
        raise RuntimeError("disk full")

    fine, _runs = counting_job("fine")
    results = schedule.run_due(jobs=[schedule.Job("broken", timedelta(minutes=5), broken), fine])
    assert results["broken"] == {"error": "RuntimeError"}
    assert results["fine"] == {"runs": 1}
    row = ScheduledJob.objects.get(name="broken")
    assert "disk full" in row.last_error and row.locked_until is None and row.next_run_at > timezone.now()


def test_the_worker_prunes_old_events_on_its_schedule(world):
    from staffroom.messaging import actions
    from staffroom.realtime.models import Event

    conv = world.group(world.teacher2)
    actions.send_message(conv, acting=world.teacher, body="old news")
    Event.objects.update(created_at=timezone.now() - timedelta(days=30))
    actions.send_message(conv, acting=world.teacher, body="today")
    assert schedule.run_due()["prune_events"]["deleted"] >= 1
    assert not Event.objects.filter(created_at__lt=timezone.now() - timedelta(days=14)).exists()


def test_the_worker_ends_leavers_whose_last_day_has_passed(world):
    world.teacher2.access_ends_on = timezone.localdate() - timedelta(days=1)
    world.teacher2.save(update_fields=["access_ends_on"])
    world.external.access_ends_on = timezone.localdate()  # today is still their last day
    world.external.save(update_fields=["access_ends_on"])
    assert schedule.run_due()["end_leavers"] == {"deactivated": 1}
    world.teacher2.refresh_from_db()
    world.external.refresh_from_db()
    assert not world.teacher2.is_active and world.external.is_active


def test_worker_once_prints_one_json_line(capsys):
    call_command("worker", "--once")
    assert "prune_events" in json.loads(capsys.readouterr().out)
