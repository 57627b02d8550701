"""The security officers' admin when there are many reports: the search finds what it
promises, the list is counted only so far, the date hierarchy lists its periods without
reading every report, and the pages ask the same number of queries however many reports
there are. (bench/admin.py measures the times at a million reports on PostgreSQL.)"""

from datetime import datetime

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from incidents.admin import BoundedPaginator
from incidents.models import Incident
from portal.models import User

from .conftest import PASSWORD, login_verified

pytestmark = pytest.mark.django_db

LIST = "/admin/incidents/incident/"


def sent_report(reporter, submitted_at=None, **fields):
    fields = {"kinds": ["hot"], "channel": "telefon", "during": "Hot om mötet i Flen.", **fields}
    incident = Incident.objects.create(reporter=reporter, **fields)
    with transaction.atomic():
        incident.submit()
    if submitted_at:
        Incident.objects.filter(pk=incident.pk).update(submitted_at=submitted_at)
    incident.refresh_from_db()
    return incident


@pytest.fixture
def reports(official, other_official):
    cecilia = User.objects.create_user(
        "cecilia.ceder@kommun.example", PASSWORD, full_name="Cecilia Ceder"
    )
    return {
        "anna": sent_report(official, place="Nyköping, torget"),
        "bertil": sent_report(other_official, place="Eskilstuna, kommunhuset"),
        "cecilia": sent_report(cecilia, place="Facebook"),
    }


def found(client, officer, term):
    login_verified(client, officer)
    html = client.get(LIST, {"q": term}).text
    return html


# The search


def test_the_search_finds_a_report_by_its_reference(client, officer, reports):
    html = found(client, officer, reports["bertil"].reference)
    assert reports["bertil"].reference in html
    assert reports["anna"].reference not in html


def test_the_search_finds_a_reference_in_any_case_and_by_a_part_of_it(client, officer, reports):
    html = found(client, officer, reports["bertil"].reference.lower())
    assert reports["bertil"].reference in html and reports["anna"].reference not in html
    year = reports["anna"].reference[:8]  # HHV-2026
    html = found(client, officer, year.lower())
    assert all(r.reference in html for r in reports.values())


def test_the_search_finds_reports_by_the_reporters_name(client, officer, reports):
    html = found(client, officer, "Cecilia Ceder")
    assert reports["cecilia"].reference in html
    assert reports["anna"].reference not in html and reports["bertil"].reference not in html


def test_the_search_finds_reports_by_the_reporters_email_whatever_its_case(
    client, officer, reports
):
    html = found(client, officer, "BERTIL@example.se")
    assert reports["bertil"].reference in html
    assert reports["anna"].reference not in html


def test_the_search_does_not_find_reports_by_their_place_which_is_encrypted(
    client, officer, reports
):
    html = found(client, officer, "eskilstuna")
    assert "0 händelserapporter" in html


def test_every_word_must_match_somewhere_and_a_quoted_phrase_is_one_word(client, officer, reports):
    year = reports["anna"].reference[:8]  # HHV-2026, in every reference
    both = found(client, officer, f"Anna {year}")
    assert reports["anna"].reference in both and reports["bertil"].reference not in both
    assert reports["anna"].reference not in found(client, officer, "Anna Berg")
    phrase = found(client, officer, '"Anna Andersson"')
    assert reports["anna"].reference in phrase and reports["bertil"].reference not in phrase
    assert reports["anna"].reference not in found(client, officer, '"Andersson Anna"')


def test_the_search_does_not_read_what_the_reports_say(client, officer, reports):
    html = found(client, officer, "Flen")  # only in the account of what happened
    assert reports["anna"].reference not in html
    assert "0 händelserapporter" in html


def test_the_search_says_what_it_looks_in(client, officer, reports):
    html = found(client, officer, "")
    assert "Sök på referens, eller namn eller e-post för den som rapporterat." in html


# Counting the list


def test_a_long_list_says_more_than_the_limit_instead_of_counting_all(
    client, officer, official, monkeypatch
):
    monkeypatch.setattr(BoundedPaginator, "limit", 5)
    monkeypatch.setattr("incidents.admin.IncidentAdmin.list_per_page", 3)
    references = [sent_report(official).reference for _ in range(8)]
    login_verified(client, officer)
    first = client.get(LIST).text
    assert "Fler än 5 händelserapporter. Sök eller filtrera för att se färre." in first
    assert "Markera alla som matchar (fler än 5)" in first
    assert "8 händelserapporter" not in first
    second = client.get(LIST, {"p": "2"})
    assert second.status_code == 200
    assert sum(ref in second.text for ref in references) == 3


def test_a_short_list_is_counted_exactly(client, officer, official):
    sent_report(official)
    sent_report(official)
    login_verified(client, officer)
    html = client.get(LIST).text
    assert "2 händelserapporter" in html and "Fler än" not in html


# The date hierarchy


def at(*args):
    return timezone.make_aware(datetime(*args))


def test_the_date_hierarchy_offers_the_years_from_the_first_report_to_the_last(
    client, officer, official
):
    old = sent_report(official, at(2022, 5, 3, 12))
    new = sent_report(official, at(2024, 2, 1, 12))
    login_verified(client, officer)
    html = client.get(LIST).text
    for year in [2022, 2023, 2024]:
        assert f"?submitted_at__year={year}" in html
    assert "?submitted_at__year=2021" not in html and "?submitted_at__year=2025" not in html
    year_2022 = client.get(LIST, {"submitted_at__year": "2022"}).text
    assert old.reference in year_2022 and new.reference not in year_2022


def test_the_months_of_a_year_run_from_its_first_report_to_its_last(client, officer, official):
    sent_report(official, at(2023, 3, 3, 12))
    may = sent_report(official, at(2023, 5, 20, 12))
    sent_report(official, at(2024, 1, 1, 12))
    login_verified(client, officer)
    html = client.get(LIST, {"submitted_at__year": "2023"}).text
    for month in [3, 4, 5]:
        assert f"submitted_at__month={month}&amp;submitted_at__year=2023" in html
    assert "submitted_at__month=6&amp;" not in html
    assert "submitted_at__month=2&amp;" not in html
    days = client.get(LIST, {"submitted_at__year": "2023", "submitted_at__month": "5"}).text
    assert "submitted_at__day=20" in days and may.reference in days


# The number of queries


def queries(client, url, **params):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params).status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    ("url", "params"),
    [
        (LIST, {}),
        (LIST, {"q": "Anna Andersson"}),
        (LIST, {"q": "HHV"}),
        (LIST, {"status__exact": "ny"}),
        (f"{LIST}statistik/", {}),
        ("/admin/", {}),
    ],
    ids=["lista", "sök", "sök-referens", "filter", "statistik", "start"],
)
def test_the_pages_ask_as_many_queries_for_many_reports_as_for_few(
    client, officer, official, url, params
):
    sent_report(official, place="Nyköping")
    login_verified(client, officer)
    client.get(url, params)  # the first request sets up the session
    few = queries(client, url, **params)
    for _ in range(12):
        sent_report(official, place="Nyköping")
    assert queries(client, url, **params) == few


def test_a_reports_page_asks_as_many_queries_for_many_reports_as_for_few(client, officer, official):
    incident = sent_report(official)
    login_verified(client, officer)
    url = f"{LIST}{incident.pk}/change/"
    client.get(url)
    few = queries(client, url)
    for _ in range(12):
        sent_report(official)
    assert queries(client, url) == few


def test_each_report_in_the_list_has_the_admins_own_checkbox_for_the_actions(
    client, officer, reports
):
    from django.contrib import admin
    from django.utils import translation

    incident_admin = admin.site._registry[Incident]
    incident = reports["anna"]
    with translation.override("sv"):
        # The same HTML as the admin's widget, which its JavaScript and labels rely on.
        assert incident_admin.action_checkbox(incident) == admin.ModelAdmin.action_checkbox(
            incident_admin, incident
        )
    login_verified(client, officer)
    html = client.get(LIST).text
    assert f'value="{incident.pk}" class="action-select" aria-label="Välj detta objekt' in html
