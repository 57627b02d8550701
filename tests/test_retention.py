"""Gallring: manage.py gallra deletes what has passed its period, files included, with the
clock moved forward past each boundary and back to just before it."""

import datetime
import io
import logging
import uuid

import pytest
from botocore.exceptions import ClientError
from django.conf import settings
from django.core.files.storage import storages
from django.core.management import call_command
from django.db import transaction

from incidents import evidence
from incidents.evidence import PreparedFile
from incidents.models import (
    AccessLogEntry,
    Evidence,
    Incident,
    InternalNote,
    ReporterMessage,
    Supplement,
    TriageChange,
)
from riskassessment.models import Answer, Assessment, RiskQuestion
from riskassessment.scoring import Level

from .conftest import PLACE, SECRET, sent_report, stored_files

pytestmark = pytest.mark.django_db

SUPPLEMENT = "Samma person ringde igen på kvällen."
NOTE = "Polisen har kontaktats, ärendet följs upp."
MESSAGE = "Vi har pratat med polisen och återkommer."
FILE_NAME = "hotbrevet_från_grannen.pdf"

SECOND = datetime.timedelta(seconds=1)


def days(name):
    return datetime.timedelta(days=getattr(settings, name))


def pdf(n):
    return PreparedFile(FILE_NAME, "application/pdf", "pdf", b"%%PDF-1.4 brev nummer %d" % n)


def sent_with_files(reporter):
    incident = sent_report(reporter)
    with evidence.atomic():
        incident.attach([pdf(1), pdf(2)])
    return incident


def closed_report(reporter, officer):
    """A sent report with everything that can hang on one, then closed."""
    incident = sent_with_files(reporter)
    with evidence.atomic():
        incident.add_supplement(reporter, SUPPLEMENT, [pdf(3)], uuid.uuid4())
    InternalNote.objects.create(incident=incident, author=officer, text=NOTE)
    incident.send_message(officer, MESSAGE)
    incident.record_access(officer)
    incident.change_triage(officer, status=Incident.Status.AVSLUTAD)
    incident.refresh_from_db()
    return incident


def draft(reporter):
    with evidence.atomic():
        incident = Incident.objects.create(reporter=reporter, during=SECRET)
        incident.attach([pdf(4)])
    return incident


def assessment(owner):
    question = RiskQuestion.objects.active().first()
    return Assessment.record(
        owner, [Answer.for_question(question, Level.HOG)], activity="Medborgardialog",
        date=datetime.date(2026, 5, 4),
    )  # fmt: skip


@pytest.fixture
def gallra(django_capture_on_commit_callbacks):
    """manage.py gallra --now=WHEN, running what waits for the commit (the file removal)."""

    def run(when, *args):
        out = io.StringIO()
        with django_capture_on_commit_callbacks(execute=True):
            call_command("gallra", f"--now={when.isoformat()}", *args, stdout=out)
        return out.getvalue()

    return run


# Closed reports


def test_a_closed_report_just_inside_its_period_is_kept_with_its_files(official, officer, gallra):
    incident = closed_report(official, officer)
    gallra(incident.closed_at + days("PORTAL_RETENTION_CLOSED_REPORT_DAYS") - SECOND)
    assert Incident.objects.filter(pk=incident.pk).exists()
    assert incident.evidence.count() == 3
    assert len(stored_files()) == 3


def test_a_closed_report_just_past_its_period_is_deleted_with_everything_on_it(
    official, officer, gallra, each_storage
):
    incident = closed_report(official, officer)
    assert len(stored_files()) == 3 and TriageChange.objects.exists()

    output = gallra(incident.closed_at + days("PORTAL_RETENTION_CLOSED_REPORT_DAYS") + SECOND)

    assert not Incident.objects.exists()
    for model in (Evidence, Supplement, InternalNote, ReporterMessage, TriageChange):
        assert not model.objects.exists(), model
    assert stored_files() == []
    assert "avslutade rapporter: 1" in output and incident.reference in output


def test_the_access_log_keeps_a_deleted_reports_reference_until_its_own_period(
    official, officer, gallra, settings
):
    settings.PORTAL_RETENTION_ACCESS_LOG_DAYS = settings.PORTAL_RETENTION_CLOSED_REPORT_DAYS + 1
    incident = closed_report(official, officer)
    gallra(incident.closed_at + days("PORTAL_RETENTION_CLOSED_REPORT_DAYS") + SECOND)
    entry = AccessLogEntry.objects.get()
    assert entry.incident is None and entry.reference == incident.reference


def test_only_the_expired_reports_files_leave_the_storage(official, officer, gallra, each_storage):
    old = closed_report(official, officer)
    kept = sent_with_files(official)
    kept_files = sorted(e.file.name for e in kept.evidence.all())

    gallra(old.closed_at + days("PORTAL_RETENTION_CLOSED_REPORT_DAYS") + SECOND)

    assert list(Incident.objects.all()) == [kept]
    assert stored_files() == kept_files


def test_an_open_report_is_never_deleted_however_old(official, officer, gallra):
    new = sent_with_files(official)
    in_progress = sent_with_files(official)
    in_progress.change_triage(officer, status=Incident.Status.ATGARDER_PAGAR)
    reopened = sent_with_files(official)
    reopened.change_triage(officer, status=Incident.Status.AVSLUTAD)
    reopened.change_triage(officer, status=Incident.Status.UNDER_BEDOMNING)

    gallra(new.submitted_at + datetime.timedelta(days=100 * 365))

    assert set(Incident.objects.all()) == {new, in_progress, reopened}
    assert len(stored_files()) == 6


def test_a_closed_report_without_a_closing_date_is_named_not_silently_kept(
    official, gallra, caplog
):
    incident = sent_with_files(official)
    Incident.objects.filter(pk=incident.pk).update(status=Incident.Status.AVSLUTAD)
    with caplog.at_level(logging.WARNING, logger="portal.retention"):
        gallra(incident.submitted_at + datetime.timedelta(days=100 * 365))
    assert Incident.objects.filter(pk=incident.pk).exists()
    assert f"saknar avslutsdatum och gallras inte: {incident.reference}" in caplog.text


# Drafts


def test_a_draft_is_kept_until_unchanged_for_the_draft_period_and_then_deleted_with_its_files(
    official, gallra
):
    incident = draft(official)
    period = days("PORTAL_RETENTION_DRAFT_DAYS")

    gallra(incident.updated_at + period - SECOND)
    assert Incident.objects.filter(pk=incident.pk).exists()
    assert len(stored_files()) == 1

    output = gallra(incident.updated_at + period + SECOND)
    assert not Incident.objects.exists() and not Evidence.objects.exists()
    assert stored_files() == []
    assert "utkast: 1" in output and "bevisfiler: 1" in output


def test_a_draft_changed_since_is_kept(official, gallra):
    incident = draft(official)
    first_saved = incident.updated_at
    Incident.objects.filter(pk=incident.pk).update(
        updated_at=first_saved + datetime.timedelta(days=30)
    )
    gallra(first_saved + days("PORTAL_RETENTION_DRAFT_DAYS") + SECOND)
    assert Incident.objects.filter(pk=incident.pk).exists()


# Risk inventories and the access log


def test_a_risk_assessment_is_deleted_when_unchanged_for_its_period(official, gallra):
    shared = assessment(official)
    shared.share()
    period = days("PORTAL_RETENTION_RISK_ASSESSMENT_DAYS")

    gallra(shared.updated_at + period - SECOND)
    assert Assessment.objects.filter(pk=shared.pk).exists()

    output = gallra(shared.updated_at + period + SECOND)
    assert not Assessment.objects.exists() and not Answer.objects.exists()
    assert "riskinventeringar: 1" in output


def test_access_log_rows_are_deleted_after_their_period(official, officer, gallra):
    incident = sent_with_files(official)
    incident.record_access(officer)
    entry = AccessLogEntry.objects.get()
    period = days("PORTAL_RETENTION_ACCESS_LOG_DAYS")

    gallra(entry.at + period - SECOND)
    assert AccessLogEntry.objects.exists()

    output = gallra(entry.at + period + SECOND)
    assert not AccessLogEntry.objects.exists()
    assert "rader i åtkomstloggen: 1" in output
    assert Incident.objects.filter(pk=incident.pk).exists()  # still open


# Dry run, rollback, failures, and what is said


def everything_expired(official, officer):
    closed_report(official, officer)
    draft(official)
    assessment(official)
    return datetime.datetime(2200, 1, 1, tzinfo=datetime.UTC)


def test_dry_run_deletes_nothing_but_says_what_would_go(official, officer, gallra):
    when = everything_expired(official, officer)
    output = gallra(when, "--dry-run")

    assert Incident.objects.count() == 2
    assert Assessment.objects.count() == 1 and AccessLogEntry.objects.count() == 1
    assert len(stored_files()) == 4
    assert "inget raderades" in output
    for line in ["avslutade rapporter: 1", "utkast: 1", "bevisfiler: 4", "riskinventeringar: 1"]:
        assert line in output


def test_the_log_and_summary_give_counts_and_references_never_what_a_report_says(
    official, officer, gallra, caplog
):
    when = everything_expired(official, officer)
    reference = Incident.objects.submitted().get().reference
    with caplog.at_level(logging.INFO, logger="portal.retention"):
        output = gallra(when)

    logged = caplog.text
    assert reference in logged and reference in output
    assert "avslutade rapporter 1" in logged and "avslutade rapporter: 1" in output
    for content in [SECRET, PLACE, SUPPLEMENT, NOTE, MESSAGE, FILE_NAME, "Medborgardialog"]:
        assert content not in logged
        assert content not in output
    assert not Incident.objects.exists() and stored_files() == []


def test_files_stay_when_the_deletion_is_rolled_back(official, officer):
    incident = closed_report(official, officer)
    with pytest.raises(RuntimeError), transaction.atomic():
        Incident.objects.filter(pk=incident.pk).delete_with_files()
        raise RuntimeError("något gick fel innan commit")
    assert Incident.objects.filter(pk=incident.pk).exists()
    assert len(stored_files()) == 3


# What each storage raises when it may not remove a file.
REFUSALS = {
    "disk": PermissionError(13, "Permission denied"),
    "s3": ClientError({"Error": {"Code": "AccessDenied", "Message": "Access Denied"}}, "Delete"),
}


def test_a_file_that_cannot_be_removed_is_named_and_fails_the_run(
    official, gallra, monkeypatch, caplog, each_storage
):
    incident = draft(official)
    name = incident.evidence.get().file.name

    def refuse(storage, name):
        raise REFUSALS[each_storage]

    monkeypatch.setattr(type(storages["default"].inner), "delete", refuse)
    with pytest.raises(OSError, match="1 bevisfiler kunde inte tas bort"):
        gallra(incident.updated_at + days("PORTAL_RETENTION_DRAFT_DAYS") + SECOND)
    assert name in caplog.text


def test_expired_sessions_with_text_kept_from_a_time_out_are_removed(gallra):
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session

    old = SessionStore()
    old["kept_through_login:incidents:report"] = {"owner": 1, "data": {"during": ["Hemlig text"]}}
    old.set_expiry(60)
    old.create()
    fresh = SessionStore()
    fresh.create()
    gallra(datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=1))
    assert not Session.objects.filter(session_key=old.session_key).exists()
    assert Session.objects.filter(session_key=fresh.session_key).exists()
