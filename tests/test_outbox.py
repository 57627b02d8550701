"""The outbox: every mail is queued and sent by a task. With the database backend a request
only queues, and the worker (django-tasks-db's db_worker) sends each mail once, tries a
failing one again after longer and longer waits, and gives it up where the officers see it.
The rest of the suite runs with Django's immediate backend, as make run does."""

import threading
from datetime import timedelta
from unittest import mock

import pytest
from django.conf import settings
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import call_command
from django.db import connections
from django.tasks import TaskResultStatus
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from incidents.models import Incident
from notices.models import Notice
from portal import tasks
from portal.models import ATTEMPTS, RETRY_DELAYS, OutgoingMail, User

from .conftest import PASSWORD, login_verified, make_officer, sent_report

ON_POSTGRESQL = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
DATABASE_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# In the notice's title, so in what its mail is rendered with: never on an admin page.
MARKER = "MARKÖR-utkorg-4b1d"


@pytest.fixture
def worker_backend(settings, as_migrated):
    """The database backend, whose tasks wait for the worker; and the officers' group,
    which a transactional test (as these are) may have emptied away before."""
    settings.TASKS = DATABASE_BACKEND


def run_worker(*args):
    """django-tasks-db's worker, as the worker's service runs it, until no task is ready."""
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", *args, verbosity=0)


def officials(count):
    return User.objects.bulk_create(
        User(email=f"fv{i:03d}@example.se", full_name=f"Förtroendevald {i}") for i in range(count)
    )


def important_notice(title="Hotbilden inför valet"):
    return Notice.objects.create(
        title=title,
        body="Texten stannar i portalen.",
        importance=Notice.Importance.VIKTIG,
        status=Notice.Status.PUBLICERAD,
    )


def mails_per_address():
    counts = {}
    for message in mail.outbox:
        (address,) = message.to
        counts[address] = counts.get(address, 0) + 1
    return counts


# An important notice to many officials


@pytest.mark.django_db(transaction=True)
def test_a_notice_to_many_officials_is_queued_at_once_and_the_worker_mails_each_once(
    worker_backend, monkeypatch
):
    monkeypatch.setattr(tasks, "BATCH", 10)
    people = officials(45)
    officer = make_officer("sara@example.se", "Sara Säkerhet")
    notice = important_notice()
    admin = login_verified(Client(), officer)

    response = admin.post(f"/admin/notices/notice/{notice.pk}/skicka-e-post/", follow=True)
    assert "skickas nu till 45 förtroendevalda" in response.text
    assert mail.outbox == []  # the request only queued them
    assert OutgoingMail.objects.waiting().count() == 45
    assert DBTaskResult.objects.ready().count() == 1

    run_worker()
    assert mails_per_address() == {person.email: 1 for person in people}
    assert OutgoingMail.objects.filter(state=OutgoingMail.State.SKICKAD).count() == 45
    # Ten a run: each run queued the next until none was left.
    assert DBTaskResult.objects.filter(status=TaskResultStatus.SUCCESSFUL).count() == 5
    assert mail.outbox[0].subject and MARKER not in mail.outbox[0].body


@pytest.mark.django_db(transaction=True)
def test_a_worker_stopped_between_two_runs_goes_on_where_it_stopped(worker_backend, monkeypatch):
    monkeypatch.setattr(tasks, "BATCH", 10)
    people = officials(25)
    important_notice().mail_to_officials(make_officer("sara@example.se", "Sara Säkerhet"))

    run_worker("--max-tasks", "1")  # stopped, as by systemctl restart, after one run
    assert len(mail.outbox) == 10
    run_worker()  # started again
    assert mails_per_address() == {person.email: 1 for person in people}


class StopsAfterSeven(EmailBackend):
    """A worker killed in the middle of a run, as it was about to hand over the eighth mail
    of the whole sending."""

    def send_messages(self, messages):
        if len(mail.outbox) == 7:
            raise SystemExit("stopped")
        return super().send_messages(messages)


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_in_the_middle_of_a_run_sends_the_rest_once_when_started_again(
    worker_backend, settings, monkeypatch
):
    monkeypatch.setattr(tasks, "BATCH", 10)
    people = officials(25)
    important_notice().mail_to_officials(make_officer("sara@example.se", "Sara Säkerhet"))
    settings.MAILERS = {"default": {"BACKEND": "tests.test_outbox.StopsAfterSeven"}}

    run_worker()
    assert len(mail.outbox) == 7
    assert OutgoingMail.objects.waiting().count() == 18  # the eighth was rolled back
    assert not DBTaskResult.objects.ready().exists()  # the run died before queueing the next

    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    call_command("send_queued_mail", verbosity=0)  # the worker's service, before it starts
    run_worker()
    assert mails_per_address() == {person.email: 1 for person in people}


@pytest.mark.skipif(not ON_POSTGRESQL, reason="needs PostgreSQL: SQLite allows one writer")
@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_each_mail_once(worker_backend):
    people = officials(60)
    important_notice().mail_to_officials(make_officer("sara@example.se", "Sara Säkerhet"))
    barrier = threading.Barrier(2)
    errors = []

    def work():
        try:
            barrier.wait()
            tasks.deliver_due(None)
        except Exception as error:  # noqa: BLE001 - reported by the test
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert mails_per_address() == {person.email: 1 for person in people}


def test_a_notice_is_queued_once_for_each_official_however_often_it_is_queued(official):
    notice = important_notice()
    for _ in range(2):
        OutgoingMail.objects.queue(
            Notice.MAIL, [official.email], notice.mail_context(), source=str(notice.pk), once=True
        )
    assert OutgoingMail.objects.filter(kind=Notice.MAIL).count() == 1
    assert len(mail.outbox) == 1


# A mail server that does not answer


class Clock:
    """The worker's time, moved on by the test."""

    def __init__(self):
        self.real = timezone.now
        self.ahead = timedelta()

    def now(self):
        return self.real() + self.ahead


@pytest.mark.django_db(transaction=True)
def test_a_failing_mail_is_tried_again_after_longer_waits_then_shown_to_the_officers_only(
    worker_backend, settings, it_staff
):
    official = User.objects.create_user("anna@example.se", PASSWORD, full_name="Anna Andersson")
    officer = make_officer("sara@example.se", "Sara Säkerhet")
    important_notice(title=MARKER).mail_to_officials(officer)
    settings.MAILERS = {"default": {"BACKEND": "tests.conftest.ServerDown"}}
    clock = Clock()

    waits = []
    with mock.patch("django.utils.timezone.now", clock.now):
        for _ in range(ATTEMPTS):
            run_worker()
            outgoing = OutgoingMail.objects.get()
            if outgoing.state == OutgoingMail.State.VANTAR:
                (wake_up,) = DBTaskResult.objects.filter(status=TaskResultStatus.READY)
                assert wake_up.run_after == outgoing.next_attempt_at  # the worker waits for it
                waits.append(outgoing.next_attempt_at - clock.now())
                clock.ahead += waits[-1] + timedelta(seconds=1)
    assert [round(wait.total_seconds() / 60) for wait in waits] == [1, 5, 25, 125, 625]
    assert waits == sorted(waits) and len(waits) == len(RETRY_DELAYS)
    outgoing.refresh_from_db()
    assert outgoing.state == OutgoingMail.State.MISSLYCKAD
    assert outgoing.attempts == ATTEMPTS and outgoing.last_error == "ConnectionRefusedError"
    assert not DBTaskResult.objects.filter(status=TaskResultStatus.READY).exists()
    assert mail.outbox == []

    admin = login_verified(Client(), officer)
    start = admin.get("/admin/").text
    assert "E-post som inte gick att skicka" in start
    listed = admin.get("/admin/portal/outgoingmail/?state__exact=misslyckad").text
    assert "anna@example.se" in listed and "Viktig information, till alla förtroendevalda" in listed
    shown = admin.get(f"/admin/portal/outgoingmail/{outgoing.pk}/change/").text
    for page in (start, listed, shown):
        assert MARKER not in page

    assert login_verified(Client(), it_staff).get("/admin/portal/outgoingmail/").status_code == 403
    official_client = Client()
    official_client.force_login(official)
    response = official_client.get("/admin/portal/outgoingmail/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


@pytest.mark.django_db(transaction=True)
def test_a_report_whose_mail_fails_in_the_worker_is_marked_for_the_officers(
    worker_backend, settings
):
    official = User.objects.create_user("anna@example.se", PASSWORD, full_name="Anna Andersson")
    officer = make_officer("sara@example.se", "Sara Säkerhet")
    incident = sent_report(official)
    assert OutgoingMail.objects.waiting().count() == 2  # the officer's notice, the receipt
    assert Incident.objects.get().notification_failed_at is None

    settings.MAILERS = {"default": {"BACKEND": "tests.conftest.ServerDown"}}
    run_worker()
    incident.refresh_from_db()
    assert incident.notification_failed_at is not None
    admin = login_verified(Client(), officer)
    assert "Misslyckades" in admin.get("/admin/incidents/incident/").text


@pytest.mark.django_db(transaction=True)
def test_an_invitation_is_recorded_as_sent_once_the_worker_has_sent_it(worker_backend, as_migrated):
    officer = make_officer("sara@example.se", "Sara Säkerhet")
    invited = User.objects.create_user("david@example.se", full_name="David Dahl")
    admin = login_verified(Client(), officer)
    response = admin.post(f"/admin/portal/user/{invited.pk}/skicka-inbjudan/", follow=True)
    assert "Inbjudan till David Dahl (david@example.se) skickas om en liten stund" in response.text
    invited.refresh_from_db()
    assert invited.invited_at is None and mail.outbox == []

    run_worker()
    invited.refresh_from_db()
    assert [m.to for m in mail.outbox] == [["david@example.se"]]
    assert invited.invited_at == OutgoingMail.objects.get().sent_at


def test_without_a_worker_the_mail_is_sent_before_the_answer(official):
    result = OutgoingMail.objects.queue("portal/invitation", [official.email], {"name": "Anna"})
    assert result.sent == [official.email] and len(mail.outbox) == 1
    # What it said (an invitation's one-time link) is kept no longer than until it has gone.
    assert OutgoingMail.objects.get().context == {}


def test_a_run_of_the_worker_reads_the_organisations_names_once_not_once_a_mail(official):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    people = [official, *(User.objects.create_user(f"p{n}@kommun.example") for n in range(5))]
    context = important_notice().mail_context()
    with CaptureQueriesContext(connection) as queries:  # sent at once, without a worker
        OutgoingMail.objects.queue(Notice.MAIL, [p.email for p in people], context)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.email for p in people)
    unit_queries = [
        q
        for q in queries.captured_queries
        if q["sql"].startswith("SELECT") and "securityunit" in q["sql"]
    ]
    assert len(unit_queries) == 1
