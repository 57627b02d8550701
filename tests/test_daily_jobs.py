"""The daily jobs, which every server's timer may start at the same moment: the reminders to
the officers and about the introduction go out once a day, and gallra runs on one server at a
time."""

import io
import threading
import time
from datetime import date, timedelta
from unittest import mock

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.db import connection, connections
from django.utils import timezone

from incidents.management.commands import send_reminders
from incidents.models import Incident
from portal import retention
from portal.models import DailyJob, OutgoingMail, User
from training.models import IntroductionReminder

from .conftest import PASSWORD, make_officer, sent_report

ON_POSTGRESQL = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
FRIDAY = date(2026, 3, 6)


def remind(today=FRIDAY):
    out = io.StringIO()
    call_command("send_reminders", f"--today={today.isoformat()}", stdout=out)
    return out.getvalue()


def follow_up_due(officer):
    reporter = User.objects.create_user("anna@example.se", PASSWORD, full_name="Anna Andersson")
    incident = sent_report(reporter)
    Incident.objects.filter(pk=incident.pk).update(
        status=Incident.Status.UNDER_BEDOMNING,
        handler=officer,
        next_follow_up=FRIDAY - timedelta(days=1),
    )
    mail.outbox.clear()  # the report's own mails


@pytest.mark.django_db
def test_the_reminders_started_twice_the_same_day_go_out_once(officer):
    follow_up_due(officer)
    remind()
    assert "redan skickade" in remind()
    assert [m.to for m in mail.outbox] == [["sara@example.se"]]
    remind(FRIDAY + timedelta(days=1))  # the next day is a day of its own
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_a_run_that_fails_is_undone_and_can_be_run_again_the_same_day(officer, settings):
    follow_up_due(officer)
    # With the worker, as in production: what the run queued goes with it.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with (
        mock.patch.object(send_reminders, "triage_overdue", side_effect=RuntimeError("nere")),
        pytest.raises(RuntimeError),
    ):
        remind()
    assert DailyJob.objects.get(name="send_reminders").day is None
    assert not OutgoingMail.objects.exists()
    remind()
    (queued,) = OutgoingMail.objects.all()
    assert queued.recipient == "sara@example.se" and queued.state == OutgoingMail.State.VANTAR


@pytest.mark.django_db
def test_the_reminders_about_the_introduction_run_once_a_day(official):
    official.date_joined = timezone.now() - timedelta(days=400)
    official.save(update_fields=["date_joined"])
    first, second = io.StringIO(), io.StringIO()
    call_command("send_training_reminders", stdout=first)
    IntroductionReminder.objects.all().delete()  # as if it had never been reminded
    call_command("send_training_reminders", stdout=second)
    assert "1 skickade" in first.getvalue()
    assert "redan skickade i dag" in second.getvalue()
    assert [m.to for m in mail.outbox] == [["anna@example.se"]]


def until_the_other_server_waits():
    """Keeps this server's job running until the other server's waits for it (at most ten
    seconds, then goes on regardless): so the two are at the same moment however the
    threads happen to run."""
    with connection.cursor() as cursor:
        for _ in range(200):
            cursor.execute(
                "SELECT EXISTS (SELECT 1 FROM pg_locks "
                "WHERE NOT granted AND pg_backend_pid() = ANY(pg_blocking_pids(pid)))"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.05)


def on_two_servers(command, *args):
    """The command started at the same moment on two servers; their outputs."""
    barrier, outputs, errors = threading.Barrier(2), [], []

    def server():
        try:
            barrier.wait()
            out = io.StringIO()
            call_command(command, *args, stdout=out)
            outputs.append(out.getvalue())
        except Exception as error:  # noqa: BLE001 - reported by the test
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=server) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return outputs


@pytest.mark.skipif(not ON_POSTGRESQL, reason="needs PostgreSQL: SQLite allows one writer")
@pytest.mark.django_db(transaction=True)
def test_two_servers_starting_the_reminders_at_the_same_moment_send_them_once(
    as_migrated, monkeypatch
):
    follow_up_due(make_officer("sara@example.se", "Sara Säkerhet"))
    send, running = send_reminders.Command.send, []

    def held(self, today):
        running.append(self)
        until_the_other_server_waits()
        return send(self, today)

    monkeypatch.setattr(send_reminders.Command, "send", held)
    outputs = on_two_servers("send_reminders", f"--today={FRIDAY.isoformat()}")
    assert len(running) == 1
    assert sum("redan skickade" in output for output in outputs) == 1
    assert [m.to for m in mail.outbox] == [["sara@example.se"]]


@pytest.mark.skipif(not ON_POSTGRESQL, reason="needs PostgreSQL: SQLite allows one writer")
@pytest.mark.django_db(transaction=True)
def test_two_servers_starting_gallra_at_the_same_moment_run_it_one_after_the_other(
    monkeypatch,
):
    OutgoingMail.objects.create(
        kind="portal/invitation",
        recipient="anna@example.se",
        state=OutgoingMail.State.SKICKAD,
        created_at=timezone.now() - timedelta(days=settings.PORTAL_RETENTION_MAIL_DAYS + 1),
    )
    sweeps, held = retention.sweeps, []

    def last_held(now, dry_run):
        # The first server has deleted what it found, and not yet committed.
        if not held:
            held.append(now)
            until_the_other_server_waits()
        return retention.Swept({}, [])

    monkeypatch.setattr(retention, "sweeps", lambda: [*sweeps(), last_held])
    outputs = on_two_servers("gallra")
    assert sorted("utgående e-post: 1" in output for output in outputs) == [False, True]
    assert not OutgoingMail.objects.exists()
