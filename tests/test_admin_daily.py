"""The admin a security officer works in all day: the start page says what waits, the
report list's Mina rapporter, Swedish throughout, counts in the right number."""

import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from incidents.models import Incident
from notices.models import Notice

from .conftest import login_verified, make_officer

pytestmark = pytest.mark.django_db

LIST = "/admin/incidents/incident/"
NEW, ASSESSING, CLOSED = Incident.Status.NY, Incident.Status.UNDER_BEDOMNING, "avslutad"


def report(reporter, number, **fields):
    """A sent report, made directly: the mail and the numbering are tested elsewhere."""
    return Incident.objects.create(
        reporter=reporter,
        reference=f"HHV-2026-{number:04d}",
        submitted_at=timezone.now() - timedelta(days=number),
        kinds=["hot", "hat"],
        channel="telefon",
        **fields,
    )


def references(response):
    return set(re.findall(r"HHV-\d{4}-\d{4}", response.text))


def to_do(response):
    """The start page's Att göra as {label: (count in words, link)}."""
    return {item.label: (item.counted, item.url) for item in response.context.get("to_do") or []}


@pytest.fixture
def colleague(db):
    return make_officer("olle@example.se", "Olle Omsorg")


@pytest.fixture
def week(official, officer, colleague):
    """Two new reports, one of Sara's follow-ups passed, one open report each, a closed one
    of Sara's with a passed date (closed needs no follow-up), and a draft."""
    yesterday = timezone.localdate() - timedelta(days=1)
    return {
        "new": [report(official, 1), report(official, 2)],
        "sara_due": report(
            official, 3, status=ASSESSING, handler=officer, next_follow_up=yesterday
        ),
        "sara": report(official, 4, status=ASSESSING, handler=officer),
        "olle": report(official, 5, status=ASSESSING, handler=colleague),
        "closed": report(official, 6, status=CLOSED, handler=officer, next_follow_up=yesterday),
        "draft": Incident.objects.create(reporter=official, kinds=["hot"]),
    }


# The start page


def test_the_start_page_says_what_waits_with_counts_and_links(client, officer, week):
    login_verified(client, officer)
    items = to_do(client.get("/admin/"))
    assert items == {
        "Nya rapporter som inte bedömts": ("2 rapporter", f"{LIST}?status__exact=ny"),
        "Uppföljningar som passerat": ("1 uppföljning", f"{LIST}?uppfoljning=forsenad"),
        "Mina öppna rapporter": ("2 rapporter", f"{LIST}?mina=oppna"),
    }
    page = client.get("/admin/").text
    assert "Att göra" in page
    assert f'<a href="{LIST}?mina=oppna">Mina öppna rapporter</a>' in page


def test_each_link_lists_just_those_reports(client, officer, week):
    login_verified(client, officer)
    expected = {
        "Nya rapporter som inte bedömts": {i.reference for i in week["new"]},
        "Uppföljningar som passerat": {week["sara_due"].reference},
        "Mina öppna rapporter": {week["sara_due"].reference, week["sara"].reference},
    }
    for label, (_, url) in to_do(client.get("/admin/")).items():
        assert references(client.get(url)) == expected[label], label


def test_one_of_each_is_said_in_the_singular(client, officer, official):
    report(official, 1)
    report(official, 2, status=ASSESSING, handler=officer)
    login_verified(client, officer)
    counts = [counted for counted, _ in to_do(client.get("/admin/")).values()]
    assert counts == ["1 rapport", "0 uppföljningar", "1 rapport"]


def test_another_officer_sees_their_own_open_reports(client, colleague, week):
    login_verified(client, colleague)
    assert to_do(client.get("/admin/"))["Mina öppna rapporter"][0] == "1 rapport"
    assert references(client.get(f"{LIST}?mina=oppna")) == {week["olle"].reference}


def test_the_counts_take_the_same_number_of_queries_however_many_reports(client, officer, official):
    login_verified(client, officer)
    client.get("/admin/")  # the session and the permissions, once

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/admin/").status_code == 200
        return len(captured)

    report(official, 1, status=ASSESSING, handler=officer)
    few = queries()
    for number in range(2, 12):
        report(official, number, status=[NEW, ASSESSING][number % 2], handler=officer)
    assert queries() == few


def test_staff_outside_the_officers_group_get_no_reports_to_do(client, it_staff, week):
    login_verified(client, it_staff)
    response = client.get("/admin/")
    assert response.status_code == 200
    assert to_do(response) == {}
    assert "Att göra" not in response.text


def test_the_admins_own_log_is_not_taken_for_incidents(client, officer, week):
    login_verified(client, officer)
    page = client.get("/admin/").text
    assert "Dina senaste ändringar i administrationen" in page
    assert "Senaste händelser" not in page and "Mina händelser" not in page


def test_mine_lists_all_my_reports_closed_too(client, officer, week):
    login_verified(client, officer)
    response = client.get(f"{LIST}?mina=alla")
    assert references(response) == {
        week["sara_due"].reference,
        week["sara"].reference,
        week["closed"].reference,
    }


# Swedish everywhere


class VisibleText(HTMLParser):
    """The words a person meets on the page: its text and the attributes read out or shown
    (button values, titles, labels, placeholders), not scripts or class names."""

    SHOWN = {"value", "title", "aria-label", "placeholder", "alt"}

    def __init__(self):
        super().__init__()
        self.words, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        elif not (tag == "input" and dict(attrs).get("type") == "hidden"):
            self.words += [value for name, value in attrs if name in self.SHOWN and value]

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.words.append(data)


ENGLISH = re.compile(
    r"\b(Filter by|Show counts|Hide counts|Select all|Clear selection|Recent actions|"
    r"My actions|None available|Log ?out|View site|Change password|Save and|Delete|History|"
    r"Please correct|Any date|Past 7 days|This month|This year|Has date|No date|Action|Run|"
    r"Search|Filter|Home|Add|Change|Select|Today|Yes|No|All|Unknown|selected|results?)\b"
)


def english_on(response):
    parser = VisibleText()
    parser.feed(response.content.decode())
    text = " ".join(parser.words)
    return sorted(set(ENGLISH.findall(text)))


def test_the_admin_an_officer_walks_through_is_in_swedish(client, officer, week):
    notice = Notice.objects.create(title="Lägesbild", body="Text.")
    login_verified(client, officer)
    year = timezone.localdate().year
    pages = [
        "/admin/",
        LIST,
        f"{LIST}?status__exact=ny",
        f"{LIST}?uppfoljning=forsenad&severity__exact=hog",
        f"{LIST}?mina=oppna",
        f"{LIST}?submitted_at__year={year}",
        f"{LIST}?notification_failed_at__isnull=True",
        f"{LIST}?q=saknas",
        f"{LIST}{week['sara'].pk}/change/",
        "/admin/incidents/accesslogentry/",
        "/admin/portal/user/",
        "/admin/portal/user/?is_active__exact=1&role__exact=fortroendevald",
        f"/admin/portal/user/{week['new'][0].reporter.pk}/change/",
        "/admin/notices/notice/",
        f"/admin/notices/notice/{notice.pk}/change/",
        "/admin/portal/outgoingmail/",
        "/admin/portal/outgoingmail/?state__exact=misslyckad&slag=portal%2Finvitation",
        "/admin/training/trainingmodule/",
        "/admin/training/completion/add/",
    ]
    found = {}
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        if english := english_on(response):
            found[path] = english
    assert found == {}


def test_the_date_drill_down_says_filtrera(client, officer, week):
    login_verified(client, officer)
    page = client.get(LIST).text
    assert "Filtrera på skickad" in page and "Filter by" not in page


def test_the_admins_calendar_speaks_swedish(client, officer):
    login_verified(client, officer)
    catalog = client.get("/admin/jsi18n/").text
    assert "I dag (%(date)s)" in catalog
    assert "knappen K\\u00f6r" in catalog or "knappen Kör" in catalog


# Counts in the right number


def test_a_triage_action_on_one_report_says_one_report(client, officer, week):
    login_verified(client, officer)
    response = client.post(
        LIST,
        {"action": "assign_to_me", "_selected_action": [week["new"][0].pk]},
        follow=True,
    )
    assert "Tilldelade dig: 1 rapport." in response.text


def test_mailing_a_notice_to_one_official_says_one(client, officer, official):
    notice = Notice.objects.create(
        title="Lägesbild",
        body="Text.",
        importance=Notice.Importance.VIKTIG,
        status=Notice.Status.PUBLICERAD,
    )
    login_verified(client, officer)
    url = f"/admin/notices/notice/{notice.pk}/skicka-e-post/"
    asked = client.get(url).text
    assert "1 aktiv förtroendevald</strong>" in asked
    assert 'value="Skicka till 1 förtroendevald"' in asked
    done = client.post(url, follow=True).text
    assert "skickad till 1 förtroendevald, en och en" in done
