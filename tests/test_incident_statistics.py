"""The security officers' statistics: the figures, the charts and tables, the CSV file, and
who may see them."""

from datetime import datetime, timedelta

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from incidents.models import AccessLogEntry, Incident
from incidents.statistics import statistics_for_years, year_statistics
from portal.models import User

from .conftest import PASSWORD, SECRET, login_verified, sent_report

pytestmark = pytest.mark.django_db

URL = "/admin/incidents/incident/statistik/"


def at(*args):
    return timezone.make_aware(datetime(*args))


def timed_report(reporter, submitted_at, *, triaged_after=None, closed_after=None, **fields):
    """A report sent, then moved to the time the test needs, first triaged and closed so long
    after it."""
    return sent_report(
        reporter,
        submitted_at,
        police_report=fields.pop("police_report", "nej"),
        first_triaged_at=submitted_at + triaged_after if triaged_after else None,
        closed_at=submitted_at + closed_after if closed_after else None,
        **fields,
    )


@pytest.fixture
def reports_2025(official):
    """Four reports sent in 2025 in Swedish time, the first of them still 2024 in UTC; and
    three that never count in 2025: a draft, one from 2024, and one sent just after
    midnight on New Year's Day 2026 (still 2025 in UTC)."""
    timed_report(
        official, at(2025, 1, 1, 0, 30), kinds=["hot", "hat"], channel="sociala_medier",
        police_report="gjord", triaged_after=timedelta(days=1), closed_after=timedelta(days=10),
    )  # fmt: skip
    timed_report(
        official, at(2025, 1, 20, 14), kinds=["hot"], channel="telefon",
        triaged_after=timedelta(days=2), closed_after=timedelta(days=20),
    )  # fmt: skip
    timed_report(
        official, at(2025, 3, 5, 8), kinds=["vald"], channel="fysiskt", police_report="gjord",
        triaged_after=timedelta(days=4, hours=12),
    )  # fmt: skip
    timed_report(official, at(2025, 12, 31, 23, 30), kinds=["hat"], channel="sociala_medier")
    timed_report(official, at(2024, 12, 31, 22), kinds=["hot"])
    timed_report(official, at(2026, 1, 1, 0, 30), kinds=["hot"], police_report="gjord")
    Incident.objects.create(reporter=official, kinds=["stold"], channel="brev")


def as_officer(officer):
    return login_verified(Client(), officer)


# The figures


def test_reports_are_counted_per_month_of_sending_in_swedish_time(reports_2025):
    stats = year_statistics(2025)
    assert stats.total == 4
    assert [c.count for c in stats.per_month] == [2, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1]
    assert [c.label for c in stats.per_month][:3] == ["januari", "februari", "mars"]


def test_a_report_of_several_kinds_counts_once_under_each(reports_2025):
    per_kind = {c.label: c.count for c in year_statistics(2025).per_kind}
    assert per_kind == {
        "Hot": 2,
        "Hat eller trakasserier": 2,
        "Våld": 1,
        "Skadegörelse": 0,
        "Stöld": 0,
        "Trakasserier av sexuell natur": 0,
        "Kapat eller falskt konto i mitt namn": 0,
        "Annat": 0,
    }


def test_reports_are_counted_per_channel(reports_2025):
    per_channel = {c.label: c.count for c in year_statistics(2025).per_channel}
    assert per_channel["Sociala medier"] == 2
    assert per_channel["Telefon"] == 1
    assert per_channel["Vid ett fysiskt möte"] == 1
    assert per_channel["Brev"] == 0
    assert per_channel["Ej angivet"] == 0


def test_the_police_share_is_of_all_the_years_reports(reports_2025):
    stats = year_statistics(2025)
    assert stats.police_reported == 2
    assert stats.police_share == 50
    per_police = {c.label: c.count for c in stats.per_police_report}
    assert per_police == {
        "Polisanmält": 2,
        "Tänker polisanmäla": 0,
        "Inte polisanmält": 2,
        "Ej angivet": 0,
    }


def test_medians_are_in_days_over_the_reports_triaged_and_closed(reports_2025):
    stats = year_statistics(2025)
    assert (stats.triaged, stats.median_days_to_triage) == (3, 2)
    assert (stats.closed, stats.median_days_to_close) == (2, 15)


def test_a_year_without_reports_has_zeros_and_no_medians(db):
    stats = year_statistics(2025)
    assert stats.total == 0
    assert sum(c.count for c in stats.per_month) == 0
    assert stats.police_share is None and stats.held_back_share is None
    assert stats.median_days_to_triage is None and stats.median_days_to_close is None


@pytest.fixture
def handled_2025(official):
    """Three reports of 2025 that have been handled, with the answers PTU compares."""
    timed_report(
        official, at(2025, 5, 2, 9), consequences=["oro", "avstatt_fraga", "avstatt_mote"],
        perpetrator_known="ja", police_report="planerad", severity="hog", status="avslutad",
    )  # fmt: skip
    timed_report(
        official, at(2025, 6, 2, 9), consequences=["avstatt_mote"], perpetrator_known="nej",
        severity="lag", status="atgarder_pagar", police_report="",
    )  # fmt: skip
    timed_report(
        official, at(2025, 7, 2, 9), consequences=["oro", "familj"], severity="hog",
        status="under_bedomning",
    )  # fmt: skip


def counts(section):
    return {c.label: c.count for c in section}


def test_severity_and_status_are_counted_as_the_officers_have_judged_them(handled_2025):
    stats = year_statistics(2025)
    assert counts(stats.per_severity) == {"Låg": 1, "Måttlig": 0, "Hög": 2, "Inte bedömd": 0}
    assert counts(stats.per_status) == {
        "Ny": 0, "Under bedömning": 1, "Åtgärder pågår": 1, "Avslutad": 1,
    }  # fmt: skip


def test_holding_back_is_counted_per_answer_and_once_per_report_for_either(handled_2025):
    stats = year_statistics(2025)
    assert counts(stats.per_consequence) == {
        "Oro eller rädsla": 2,
        "Avstått från att engagera sig i en fråga": 1,
        "Avstått från ett möte eller en aktivitet": 2,
        "Familj eller närstående påverkade": 1,
        "Annan följd": 0,
        "Ingen följd angiven": 0,
    }
    # PTU's self-censorship: reports where the official held back from either.
    assert stats.held_back == 2
    assert round(stats.held_back_share, 1) == 66.7


def test_whether_the_perpetrator_was_known_and_unanswered_questions_are_counted(handled_2025):
    stats = year_statistics(2025)
    assert counts(stats.per_perpetrator) == {
        "Vet eller tror sig veta vem det var": 1,
        "Vet inte vem det var": 1,
        "Ej angivet": 1,
    }
    assert counts(stats.per_police_report)["Ej angivet"] == 1
    assert counts(stats.per_police_report)["Tänker polisanmäla"] == 1


def test_the_number_of_queries_does_not_grow_with_the_reports(official):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            statistics_for_years([2025, 2024])
        return len(captured)

    for year in [2025, 2024]:
        timed_report(
            official, at(year, 2, 1, 12), triaged_after=timedelta(days=1),
            closed_after=timedelta(days=3),
        )  # fmt: skip
    few = queries()
    for day in range(1, 21):
        timed_report(
            official, at(2025, 3, day, 12), kinds=["hat", "annat"], consequences=["oro"],
            triaged_after=timedelta(days=day), closed_after=timedelta(days=day + 1),
        )  # fmt: skip
    assert queries() == few


# The page


def test_the_page_shows_the_chosen_year_beside_the_year_before(reports_2025, officer):
    html = as_officer(officer).get(URL, {"ar": "2025"}).text
    assert "Statistik över händelserapporter 2025" in html
    assert "<caption>Sammanfattning 2025 jämfört med 2024</caption>" in html
    assert '<th scope="row">Antal rapporter</th><td>4</td><td>1</td>' in html
    assert "<td>50,0 % (2 av 4)</td><td>0,0 % (0 av 1)</td>" in html
    assert "2,0 dagar (3 bedömda rapporter)" in html
    assert "15,0 dagar (2 avslutade rapporter)" in html
    assert SECRET not in html


def test_each_chart_is_an_svg_with_a_title_and_a_table_with_the_same_counts(reports_2025, officer):
    html = as_officer(officer).get(URL, {"ar": "2025"}).text
    assert html.count('<svg class="statistics-chart" role="img"') == 8
    assert '<title id="diagram-manad">Rapporter per månad 2025 och 2024</title>' in html
    assert 'aria-labelledby="diagram-manad diagram-manad-beskrivning"' in html
    assert html.count('<table class="statistics-table">') == 8
    header = (
        '<th scope="col">Antal 2025</th><th scope="col">Andel 2025</th>'
        '<th scope="col">Antal 2024</th><th scope="col">Andel 2024</th>'
    )
    assert html.count(header) == 8
    assert '<th scope="row">januari</th><td>2</td><td>50,0 %</td><td>0</td><td>0,0 %</td>' in html
    assert (
        '<th scope="row">december</th><td>1</td><td>25,0 %</td><td>1</td><td>100,0 %</td>' in html
    )
    assert '<th scope="row">Hat eller trakasserier</th><td>2</td>' in html
    assert '<th scope="row">Sociala medier</th><td>2</td>' in html
    # Each bar has its year and count in text beside it, not in its length, colour or
    # pattern alone.
    assert ">2025: 2</text>" in html and ">2024: 1</text>" in html


def test_holding_back_is_shown_together_as_well_as_per_answer(handled_2025, officer):
    html = as_officer(officer).get(URL, {"ar": "2025"}).text
    assert '<th scope="row">Avstått från ett möte eller en aktivitet</th><td>2</td>' in html
    assert (
        '<tr class="statistics-together"><th scope="row">Avstått från en fråga, ett möte eller '
        "en aktivitet (något av dem)</th><td>2</td><td>66,7 %</td>"
    ) in html
    assert ">Avstått från fråga, möte eller aktivitet</text>" in html  # the chart's bar
    assert "Politikernas trygghetsundersökning" in html


def test_the_page_has_no_inline_style_or_script(reports_2025, officer):
    response = as_officer(officer).get(URL, {"ar": "2025"})
    assert "style=" not in response.text and "<script>" not in response.text
    assert "css/admin-statistics.css" in response.text


def test_the_years_run_from_the_first_report_to_this_year(reports_2025, officer):
    html = as_officer(officer).get(URL).text
    this_year = timezone.localdate().year
    assert f"Statistik över händelserapporter {this_year}" in html
    for year in range(2024, this_year + 1):
        assert f'<option value="{year}"' in html
    assert '<option value="2023">' not in html


def test_a_year_that_cannot_be_chosen_shows_the_current_year(reports_2025, officer):
    this_year = timezone.localdate().year
    for value in ["1999", "inte-ett-år"]:
        html = as_officer(officer).get(URL, {"ar": value}).text
        assert f"Statistik över händelserapporter {this_year}" in html


def test_a_year_without_data_shows_a_dash(officer):
    html = as_officer(officer).get(URL).text
    assert '<th scope="row">Polisanmälda</th><td>–</td><td>–</td>' in html
    assert "<td>–</td><td>–</td>" in html.split("Tid till avslut (median)")[1]


def test_the_page_has_breadcrumbs_back_to_the_reports(officer):
    html = as_officer(officer).get(URL).text
    assert 'href="/admin/incidents/incident/"' in html
    assert '<li aria-current="page">Statistik</li>' in html


# The CSV file


def test_the_csv_file_has_the_same_figures_for_swedish_excel(reports_2025, officer):
    response = as_officer(officer).get(URL, {"ar": "2025", "format": "csv"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="handelserapporter-statistik-2025.csv"'
    )
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf")
    lines = body.decode("utf-8-sig").split("\r\n")
    assert lines[:3] == [
        "Avsnitt;Uppgift;Valt år;Året före", "År;;2025;2024", "Rapporter;Totalt;4;1",
    ]  # fmt: skip
    assert "Rapporter per månad;januari;2;0" in lines
    assert "Rapporter per månad;december;1;1" in lines
    assert "Rapporter per typ av händelse;Hat eller trakasserier;2;0" in lines
    assert "Rapporter per kanal;Vid ett fysiskt möte;1;0" in lines
    assert "Rapporter per allvarlighet;Inte bedömd;4;1" in lines
    assert "Polisanmälda;Antal;2;0" in lines
    assert "Polisanmälda;Andel (%);50,0;0,0" in lines
    assert "Tid till första bedömning;Median (dagar);2,0;" in lines
    assert "Tid till avslut;Median (dagar);15,0;" in lines
    assert SECRET.encode() not in body


def test_the_csv_file_counts_holding_back_per_answer_and_together(handled_2025, officer):
    response = as_officer(officer).get(URL, {"ar": "2025", "format": "csv"})
    lines = response.content.decode("utf-8-sig").split("\r\n")
    section = "Följder för den som rapporterat"
    assert f"{section};Avstått från att engagera sig i en fråga;1;0" in lines
    assert f"{section};Avstått från ett möte eller en aktivitet;2;0" in lines
    together = "Avstått från en fråga, ett möte eller en aktivitet (något av dem)"
    assert f"{section};{together};2;0" in lines
    assert f"{section};{together}, andel (%);66,7;" in lines


def test_the_csv_file_leaves_missing_figures_empty(officer):
    response = as_officer(officer).get(URL, {"ar": "2025", "format": "csv"})
    lines = response.content.decode("utf-8-sig").split("\r\n")
    this_year = timezone.localdate().year
    assert f"År;;{this_year};{this_year - 1}" in lines
    assert "Polisanmälda;Andel (%);;" in lines
    assert "Tid till avslut;Median (dagar);;" in lines


def test_downloading_the_csv_file_is_in_the_access_log(reports_2025, officer):
    response = as_officer(officer).get(URL, {"ar": "2025", "format": "csv"})
    lines = [line for line in response.content.decode("utf-8-sig").split("\r\n") if line]
    entry = AccessLogEntry.objects.get()
    assert entry.action == AccessLogEntry.Action.EXPORT
    assert (entry.user, entry.user_email) == (officer, officer.email)
    assert entry.exported == "Statistik 2025 jämförd med 2024"
    assert entry.rows == len(lines) - 1


# Who may see it


def test_an_official_is_sent_to_log_in(reports_2025, official):
    client = Client()
    client.force_login(official)
    for params in [{}, {"format": "csv"}]:
        response = client.get(URL, params)
        assert response.status_code == 302
        assert "Polisanmälda" not in response.text


def test_staff_outside_the_security_officers_cannot_see_it(reports_2025):
    staff = User.objects.create_user("it@example.se", PASSWORD, full_name="Ivar It", is_staff=True)
    client = login_verified(Client(), staff)
    assert client.get(URL).status_code == 403
    assert client.get(URL, {"format": "csv"}).status_code == 403


def test_a_superuser_outside_the_group_cannot_see_it(reports_2025):
    boss = User.objects.create_superuser("chef@example.se", PASSWORD, full_name="Cecilia Chef")
    boss.groups.remove(*Group.objects.all())
    assert login_verified(Client(), boss).get(URL).status_code == 403


def test_a_security_officer_without_the_second_factor_is_asked_for_it(reports_2025, officer):
    client = Client()
    client.force_login(officer)
    response = client.get(URL)
    assert response.status_code == 302
    assert "Polisanmälda" not in response.text


def test_a_security_officer_sees_it(officer):
    assert as_officer(officer).get(URL).status_code == 200
