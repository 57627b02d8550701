"""portal.mail: every mail the portal sends, a message to each recipient, and never what a
report says."""

import json
import logging
import uuid
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from incidents.models import Incident
from notices.models import Notice
from portal import mail as portal_mail
from portal.tasks import send_password_reset

pytestmark = pytest.mark.django_db

# Written into everything a report holds: it must come out in no mail.
MARKER = "MARKÖR-7f3c-inte-i-mejl"
MAIL_TEMPLATES = settings.BASE_DIR / "templates"


def kinds_on_disk():
    """Every kind of mail there is: each has a subject template under <app>/mail/."""
    return {
        f"{subject.parent.parent.name}/{subject.name.removesuffix('_subject.txt')}"
        for subject in MAIL_TEMPLATES.glob("*/mail/*_subject.txt")
    }


@pytest.fixture
def rendered(monkeypatch):
    """The kinds of mail rendered while the test runs."""
    kinds = set()
    render = portal_mail.render

    def recording(kind, context, *names):
        kinds.add(kind)
        return render(kind, context, *names)

    monkeypatch.setattr(portal_mail, "render", recording)
    return kinds


def report_full_of_the_marker(reporter):
    return Incident.objects.create(
        reporter=reporter,
        kinds=["hot"],
        channel="telefon",
        timing="har_hant",
        place=MARKER,
        before=MARKER,
        during=MARKER,
        actions=MARKER,
        perpetrator_known="ja",
        perpetrator_description=MARKER,
        witnesses=MARKER,
        police_report="gjord",
        police_report_number=MARKER,
        may_contact=True,
        contact_how=MARKER,
    )


def sent(reporter, commits):
    with commits(execute=True), transaction.atomic():
        incident = report_full_of_the_marker(reporter)
        incident.submit()
    return incident


def test_no_kind_of_mail_carries_what_a_report_says(
    official, officer, rendered, django_capture_on_commit_callbacks
):
    commits = django_capture_on_commit_callbacks
    # A report, a supplement, a message and its answer, the closing: the officers' notices
    # and the receipt and news to the reporter.
    incident = sent(official, commits)
    with commits(execute=True):
        incident.add_supplement(official, MARKER, [], uuid.uuid4())
    with commits(execute=True):
        message = incident.send_message(officer, MARKER)
    with commits(execute=True):
        incident.add_supplement(official, MARKER, [], uuid.uuid4(), in_reply_to=message)
    with commits(execute=True):
        incident.change_triage(
            officer,
            status=Incident.Status.AVSLUTAD,
            closing_summary=MARKER,
            closing_message=MARKER,
        )

    # The officers' reminders: a follow-up due, and a report nobody has triaged.
    due = sent(official, commits)
    Incident.objects.filter(pk=due.pk).update(
        status=Incident.Status.UNDER_BEDOMNING,
        handler=officer,
        next_follow_up=timezone.localdate(),
    )
    sent(official, commits)
    call_command("send_reminders", f"--today={timezone.localdate() + timedelta(days=30)}")

    # An important notice, whose text stays in the portal.
    notice = Notice.objects.create(
        title="Hotbilden inför valet",
        body=MARKER,
        importance=Notice.Importance.VIKTIG,
        status=Notice.Status.PUBLICERAD,
    )
    notice.mail_to_officials(officer)

    # The accounts' mails, and the reminder about the introduction.
    official.invite()
    send_password_reset.enqueue(official.email)
    official.date_joined = timezone.now() - timedelta(days=400)
    official.save(update_fields=["date_joined"])
    call_command("send_training_reminders")

    assert rendered == kinds_on_disk()  # a new kind of mail must be added here
    assert len(mail.outbox) >= len(rendered)
    for message in mail.outbox:
        assert MARKER not in message.subject and MARKER not in message.body


def test_each_recipient_gets_a_message_of_their_own():
    result = portal_mail.send(
        "notices/important",
        ["anna@example.se", "bertil@example.se", "anna@example.se"],
        {"title": "Hotbilden inför valet", "url": "https://portal.example.se/aktuellt/1/"},
    )
    assert [m.to for m in mail.outbox] == [["anna@example.se"], ["bertil@example.se"]]
    for message in mail.outbox:
        assert message.cc == [] and message.bcc == []
    assert result.sent == ["anna@example.se", "bertil@example.se"] and result.failed == []


def test_the_subject_comes_from_its_template_on_one_line():
    subject, body = portal_mail.render(
        "incidents/officers",
        {"reference": "HHV-2026-0007", "url": "https://portal.example.se/x/", "reply": True},
    )
    assert subject == "Svar från den som rapporterat, händelserapport HHV-2026-0007"
    assert "HHV-2026-0007" in body and "https://portal.example.se/x/" in body


def test_mail_is_plain_text_so_a_title_arrives_as_typed():
    templates = sorted(MAIL_TEMPLATES.glob("*/mail/*.txt"))
    assert len(templates) == 2 * len(kinds_on_disk())
    for template in templates:
        assert template.read_text().startswith("{% autoescape off %}"), template
    _, body = portal_mail.render(
        "notices/important", {"title": "Val & <trygghet>", "url": "https://portal.example.se/"}
    )
    assert "Val & <trygghet>" in body


def test_a_mail_is_given_plain_data_never_a_report(official):
    incident = report_full_of_the_marker(official)
    with pytest.raises(TypeError):
        portal_mail.send("incidents/receipt", [official.email], {"incident": incident})
    assert mail.outbox == []


NOTICE = {"title": MARKER, "url": "https://portal.example.se/aktuellt/1/"}


def test_a_failure_is_logged_without_the_text_and_told_to_the_caller(settings, caplog):
    settings.MAILERS = {"default": {"BACKEND": "tests.conftest.RefusesBertil"}}
    with caplog.at_level(logging.ERROR):
        result = portal_mail.send(
            "notices/important", ["anna@example.se", "bertil@example.se"], NOTICE
        )
    assert result.sent == ["anna@example.se"] and result.failed == ["bertil@example.se"]
    assert [m.to for m in mail.outbox] == [["anna@example.se"]]
    assert "Mejlet notices/important till bertil@example.se kunde inte skickas" in caplog.text
    assert MARKER not in caplog.text


def test_a_mail_server_that_does_not_answer_fails_every_recipient(settings, caplog):
    settings.MAILERS = {"default": {"BACKEND": "tests.conftest.ServerDown"}}
    with caplog.at_level(logging.ERROR):
        result = portal_mail.send(
            "notices/important", ["anna@example.se", "bertil@example.se"], NOTICE
        )
    assert result.sent == [] and result.failed == ["anna@example.se", "bertil@example.se"]
    assert "2 mottagare fick det inte" in caplog.text
    assert MARKER not in caplog.text


def test_no_recipients_sends_nothing_and_fails_nothing():
    result = portal_mail.send("notices/important", [], NOTICE)
    assert result.sent == result.failed == [] and mail.outbox == []


def test_every_kind_of_mail_has_a_name_for_the_outbox():
    assert set(portal_mail.KINDS) == kinds_on_disk()


def test_the_outbox_is_given_plain_data_never_a_report(official):
    from portal.models import OutgoingMail

    incident = report_full_of_the_marker(official)
    with pytest.raises(TypeError):
        OutgoingMail.objects.queue("incidents/receipt", [official.email], {"incident": incident})
    assert not OutgoingMail.objects.exists() and mail.outbox == []


def test_what_waits_in_the_outbox_holds_nothing_a_report_says(
    official, officer, settings, django_capture_on_commit_callbacks
):
    """With a worker the mail waits in the database until it goes: the row holds what the
    templates get, and so, like the mail, nothing of the report."""
    from portal.models import OutgoingMail

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    commits = django_capture_on_commit_callbacks
    incident = sent(official, commits)
    with commits(execute=True):
        incident.add_supplement(official, MARKER, [], uuid.uuid4())
    with commits(execute=True):
        incident.send_message(officer, MARKER)
    Notice.objects.create(
        title="Hotbilden inför valet",
        body=MARKER,
        importance=Notice.Importance.VIKTIG,
        status=Notice.Status.PUBLICERAD,
    ).mail_to_officials(officer)

    waiting = OutgoingMail.objects.waiting()
    kinds = set(waiting.values_list("kind", flat=True))
    assert kinds == {"incidents/officers", "incidents/receipt", "incidents/news", Notice.MAIL}
    assert mail.outbox == []
    for row in waiting:
        assert MARKER not in json.dumps(row.context)
