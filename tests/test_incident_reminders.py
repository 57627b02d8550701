"""manage.py send_reminders: follow-ups to their handlers, late triage to the group."""

import logging
from datetime import date, datetime, timedelta

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import CommandError, call_command
from django.utils import timezone

from incidents.management.commands.send_reminders import add_working_days
from incidents.models import Incident
from portal.models import SECURITY_OFFICERS, User

from .conftest import PASSWORD, PLACE, SECRET, sent_report

pytestmark = pytest.mark.django_db

FRIDAY = date(2026, 3, 6)


def at(day, hour, minute=0):
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour, minute))


def remind(today):
    call_command("send_reminders", f"--today={today.isoformat()}")


def mails_to(address):
    return [m for m in mail.outbox if address in m.to]


@pytest.fixture
def other_officer(db):
    user = User.objects.create_user(
        "olle@example.se", PASSWORD, full_name="Olle Omsorg", is_staff=True
    )
    user.groups.add(Group.objects.get(name=SECURITY_OFFICERS))
    return user


@pytest.fixture
def outsider(db):
    """Staff, but not a security officer: gets no reminders."""
    return User.objects.create_user("it@example.se", PASSWORD, full_name="Ivar It", is_staff=True)


def following_up(reporter, handler, due, status=Incident.Status.UNDER_BEDOMNING):
    return sent_report(
        reporter,
        at(FRIDAY - timedelta(days=30), 10),
        status=status,
        handler=handler,
        next_follow_up=due,
        first_triaged_at=at(FRIDAY - timedelta(days=29), 10),
    )


# Working days


@pytest.mark.parametrize(
    ("sent", "deadline"),
    [
        (date(2026, 3, 2), date(2026, 3, 4)),  # Monday: Wednesday
        (date(2026, 3, 5), date(2026, 3, 9)),  # Thursday: Monday
        (FRIDAY, date(2026, 3, 10)),  # Friday: Tuesday
        (date(2026, 3, 7), date(2026, 3, 10)),  # Saturday: Tuesday
        (date(2026, 3, 8), date(2026, 3, 10)),  # Sunday: Tuesday
    ],
)
def test_two_working_days_skip_the_weekend(sent, deadline):
    assert add_working_days(sent, 2) == deadline


@pytest.mark.parametrize(
    ("sent", "deadline"),
    [
        # Långfredagen and annandag påsk 2026 are 3 and 6 April.
        (date(2026, 4, 2), date(2026, 4, 8)),  # skärtorsdagen: Wednesday after Easter
        (date(2026, 4, 3), date(2026, 4, 8)),  # långfredagen itself
        (date(2026, 6, 18), date(2026, 6, 23)),  # before midsommarafton (Friday 19 June)
        (date(2026, 12, 23), date(2026, 12, 29)),  # julafton and juldagen: Monday, Tuesday
        (date(2026, 12, 30), date(2027, 1, 5)),  # nyårsafton and nyårsdagen, into a new year
    ],
)
def test_public_holidays_are_not_working_days(sent, deadline):
    assert add_working_days(sent, 2) == deadline


def test_a_report_sent_before_easter_is_not_late_until_after_the_holidays(official, officer):
    sent_report(official, at(date(2026, 4, 2), 10))  # skärtorsdagen
    remind(date(2026, 4, 8))  # the second working day after Easter
    assert mail.outbox == []
    remind(date(2026, 4, 9))
    assert len(mail.outbox) == 1


# Follow-ups to their handlers


def test_each_handler_gets_their_own_due_follow_ups(official, officer, other_officer, outsider):
    saras = following_up(official, officer, FRIDAY - timedelta(days=1))
    olles = following_up(official, other_officer, FRIDAY - timedelta(days=3))
    remind(FRIDAY)
    (to_sara,) = mails_to("sara@example.se")
    (to_olle,) = mails_to("olle@example.se")
    assert to_sara.to == ["sara@example.se"] and to_olle.to == ["olle@example.se"]
    assert saras.reference in to_sara.body and olles.reference not in to_sara.body
    assert f"http://127.0.0.1:8000/admin/incidents/incident/{saras.pk}/change/" in to_sara.body
    assert olles.reference in to_olle.body
    assert mails_to("it@example.se") == [] and mails_to("anna@example.se") == []


def test_a_reminder_carries_no_content_of_the_report(official, officer):
    incident = following_up(official, officer, FRIDAY - timedelta(days=1))
    Incident.objects.filter(pk=incident.pk).update(submitted_at=at(FRIDAY - timedelta(days=7), 9))
    sent_report(official, at(FRIDAY - timedelta(days=7), 9))  # and late triage, to the group
    remind(FRIDAY)
    assert len(mail.outbox) == 2
    for message in mail.outbox:
        for secret in [SECRET, PLACE, "Anna", "anna@example.se", "Hot"]:
            assert secret not in message.body and secret not in message.subject


def test_a_follow_up_is_due_the_day_after_its_date(official, officer):
    following_up(official, officer, FRIDAY)
    remind(FRIDAY)
    assert mail.outbox == []
    remind(FRIDAY + timedelta(days=1))
    assert len(mails_to("sara@example.se")) == 1


def test_a_closed_report_needs_no_follow_up(official, officer):
    following_up(official, officer, FRIDAY - timedelta(days=5), status=Incident.Status.AVSLUTAD)
    remind(FRIDAY)
    assert mail.outbox == []


def test_a_follow_up_whose_handler_has_left_goes_to_the_group(official, officer, outsider):
    incident = following_up(official, outsider, FRIDAY - timedelta(days=1))
    remind(FRIDAY)
    assert mails_to("it@example.se") == []
    (to_group,) = mails_to("sara@example.se")
    assert incident.reference in to_group.body
    assert "inte har någon aktiv handläggare" in to_group.body


# Late triage to the group


def test_the_group_is_told_of_a_new_report_not_triaged_in_two_working_days(
    official, officer, other_officer, outsider
):
    incident = sent_report(official, at(date(2026, 3, 2), 9))  # Monday
    remind(date(2026, 3, 4))  # Wednesday: the second working day is not over
    assert mail.outbox == []
    remind(date(2026, 3, 5))  # Thursday
    # A message each, so that no address sees the others.
    assert sorted(m.to for m in mail.outbox) == [["olle@example.se"], ["sara@example.se"]]
    for message in mail.outbox:
        assert incident.reference in message.body
        assert f"/admin/incidents/incident/{incident.pk}/change/" in message.body


def test_a_report_sent_on_friday_afternoon_is_late_on_wednesday_not_monday(official, officer):
    sent_report(official, at(FRIDAY, 16, 45))
    for day in [FRIDAY + timedelta(days=n) for n in (1, 2, 3, 4)]:  # Saturday to Tuesday
        remind(day)
        assert mail.outbox == [], day
    remind(FRIDAY + timedelta(days=5))  # Wednesday
    assert len(mail.outbox) == 1


def test_the_day_of_sending_is_the_day_in_sweden(official, officer):
    # Monday 00:30 in Sweden is still Sunday in UTC: it counts from Monday.
    sent_report(official, at(date(2026, 3, 9), 0, 30))
    remind(date(2026, 3, 11))  # Wednesday
    assert mail.outbox == []
    remind(date(2026, 3, 12))
    assert len(mail.outbox) == 1


def test_a_triaged_report_is_not_reminded_of(official, officer):
    sent_report(
        official,
        at(date(2026, 3, 2), 9),
        status=Incident.Status.UNDER_BEDOMNING,
        first_triaged_at=at(date(2026, 3, 6), 9),
    )
    remind(date(2026, 3, 20))
    assert mail.outbox == []


# The command


def test_it_prints_one_line_per_mail_sent(official, officer, other_officer, capsys):
    following_up(official, officer, FRIDAY - timedelta(days=1))
    following_up(official, officer, FRIDAY - timedelta(days=2))
    sent_report(official, at(FRIDAY - timedelta(days=7), 9))
    remind(FRIDAY)
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        "Skickade påminnelse till sara@example.se: 2 uppföljningar att göra.",
        "Skickade påminnelse till säkerhetshandläggarna (2 mottagare): "
        "1 ny rapport väntar på bedömning, 0 uppföljningar utan handläggare.",
    ]


def test_it_says_so_when_there_is_nothing_to_remind_of(officer, capsys):
    remind(FRIDAY)
    assert capsys.readouterr().out == "2026-03-06: inga påminnelser skickade.\n"
    assert mail.outbox == []


def test_a_bad_date_is_refused():
    with pytest.raises(CommandError, match="ÅÅÅÅ-MM-DD"):
        call_command("send_reminders", "--today=6/3/2026")


class RefusesOlle(EmailBackend):
    """A mail server that refuses Olle's mails, his own reminder and his copy of the group's,
    and delivers the rest."""

    def send_messages(self, messages):
        if any(m.to == ["olle@example.se"] for m in messages):
            raise ConnectionRefusedError("e-postservern svarar inte")
        return super().send_messages(messages)


def test_a_failing_mail_does_not_stop_the_others(
    official, officer, other_officer, settings, caplog, capsys
):
    settings.MAILERS = {"default": {"BACKEND": "tests.test_incident_reminders.RefusesOlle"}}
    olles = following_up(official, other_officer, FRIDAY - timedelta(days=1))
    saras = following_up(official, officer, FRIDAY - timedelta(days=1))
    late = sent_report(official, at(FRIDAY - timedelta(days=7), 9))
    with caplog.at_level(logging.ERROR), pytest.raises(CommandError, match="2 påminnelser"):
        call_command("send_reminders", f"--today={FRIDAY}")  # the rest are sent first
    assert [m.to for m in mail.outbox] == [["sara@example.se"], ["sara@example.se"]]
    assert saras.reference in mail.outbox[0].body and late.reference in mail.outbox[1].body
    assert "olle@example.se kunde inte skickas" in caplog.text
    assert olles.reference not in caplog.text and SECRET not in caplog.text
    output = capsys.readouterr()
    assert output.err.count("Kunde inte skicka påminnelse till olle@example.se.") == 2
    assert output.out.splitlines()[1].startswith(
        "Skickade påminnelse till säkerhetshandläggarna (1 mottagare)"
    )
    assert len(output.out.splitlines()) == 2
