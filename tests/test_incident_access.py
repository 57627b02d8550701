"""Mina rapporter, supplements, downloads, the admin, and who may open what."""

import hashlib
import uuid

import pytest
from django.core import mail
from django.test import Client

from incidents.models import AccessLogEntry, Evidence, Incident, Supplement
from portal import crypto
from portal.models import User

from .conftest import SECRET, login_verified, png_upload, report_data, stored_files

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_user(db):
    """A browser of its own for each user; staff come with their second factor."""

    def client_for(user):
        client = Client()
        if user is not None and user.is_staff:
            login_verified(client, user)
        elif user is not None:
            client.force_login(user)
        return client

    return client_for


@pytest.fixture
def sent(as_user, official, officer, django_capture_on_commit_callbacks):
    """Anna's sent report with one file, and a supplement with another."""
    client = as_user(official)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/rapportera/", {**report_data(), "files": [png_upload("forsta.png")]})
    incident = Incident.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/mina-rapporter/{incident.pk}/komplettera/",
            {
                "text": "Han ringde igen i dag.",
                "submission_token": str(uuid.uuid4()),
                "files": [png_upload("andra.png", (12, 12))],
            },
        )
    return incident


@pytest.fixture
def draft(official):
    return Incident.objects.create(reporter=official, during="Ett utkast.")


def report_urls(incident):
    report_file = incident.evidence.get(supplement=None)
    supplement_file = incident.evidence.exclude(supplement=None).get()
    base = f"/mina-rapporter/{incident.pk}"
    return {
        "detail": f"{base}/",
        "receipt": f"{base}/kvitto/",
        "report_file": f"{base}/filer/{report_file.pk}/",
        "supplement_file": f"{base}/filer/{supplement_file.pk}/",
    }


# The access matrix: the author, another official, a security officer, an anonymous visitor


@pytest.mark.parametrize("page", ["detail", "receipt", "report_file", "supplement_file"])
def test_access_to_every_url_of_a_sent_report(
    each_storage, sent, page, as_user, official, other_official, officer
):
    url = report_urls(sent)[page]
    is_file = page.endswith("file")
    assert as_user(official).get(url).status_code == 200
    assert as_user(other_official).get(url).status_code == 404
    anonymous = as_user(None).get(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/logga-in/")
    # The security officer reads reports in the admin; files open for them everywhere.
    assert as_user(officer).get(url).status_code == (200 if is_file else 404)


@pytest.mark.parametrize(
    "path", ["/rapportera/utkast/{pk}/", "/mina-rapporter/{pk}/ta-bort/", "/mina-rapporter/{pk}/"]
)
def test_access_to_every_url_of_a_draft(draft, path, as_user, official, other_official, officer):
    url = path.format(pk=draft.pk)
    assert as_user(official).get(url).status_code in (200, 302)
    assert as_user(other_official).get(url).status_code == 404
    assert as_user(officer).get(url).status_code == 404
    assert as_user(None).get(url)["Location"].startswith("/logga-in/")


def test_a_drafts_file_is_the_authors_alone(as_user, official, other_official, officer):
    client = as_user(official)
    client.post(
        "/rapportera/",
        {**report_data(action="utkast"), "files": [png_upload()]},
    )
    item = Evidence.objects.get()
    url = item.get_absolute_url()
    assert client.get(url).status_code == 200
    assert as_user(other_official).get(url).status_code == 404
    assert as_user(officer).get(url).status_code == 404
    assert as_user(None).get(url).status_code == 302


def test_a_security_officer_without_the_second_factor_cannot_open_others_files(sent, officer):
    client = Client()
    client.force_login(officer)
    for url in [report_urls(sent)["report_file"], report_urls(sent)["supplement_file"]]:
        assert client.get(url).status_code == 404


def test_another_official_cannot_change_a_report(sent, draft, as_user, other_official):
    client = as_user(other_official)
    supplement = client.post(
        f"/mina-rapporter/{sent.pk}/komplettera/",
        {"text": "Inte min rapport", "submission_token": str(uuid.uuid4())},
    )
    assert supplement.status_code == 404
    assert client.post(f"/mina-rapporter/{draft.pk}/radera/").status_code == 404
    edit = client.post(f"/rapportera/utkast/{draft.pk}/", report_data())
    assert edit.status_code == 404
    assert "Inte min rapport" not in [s.text for s in Supplement.objects.all()]
    draft.refresh_from_db()
    assert draft.is_draft and draft.during == "Ett utkast."


def test_an_anonymous_visitor_cannot_change_a_report(sent, draft, as_user):
    client = as_user(None)
    response = client.post(f"/mina-rapporter/{sent.pk}/komplettera/", {"text": "x"})
    assert response.status_code == 302
    assert client.post(f"/mina-rapporter/{draft.pk}/radera/").status_code == 302
    edit = client.post(f"/rapportera/utkast/{draft.pk}/", report_data())
    assert edit["Location"].startswith("/logga-in/")
    assert Supplement.objects.count() == 1 and Incident.objects.count() == 2
    draft.refresh_from_db()
    assert draft.is_draft and draft.during == "Ett utkast."


def test_a_superuser_outside_the_group_cannot_download_evidence(sent, as_user):
    root = User.objects.create_superuser("it@example.se", "ett-långt-lösenord", full_name="IT")
    client = as_user(root)
    assert client.get(sent.evidence.first().get_absolute_url()).status_code == 404


def test_a_file_from_another_report_is_not_served_under_this_one(sent, as_user, official):
    other = Incident.objects.create(reporter=official)
    item = sent.evidence.first()
    url = f"/mina-rapporter/{other.pk}/filer/{item.pk}/"
    assert as_user(official).get(url).status_code == 404


# Downloads


def test_a_file_is_downloaded_as_an_attachment_that_is_never_cached(
    each_storage, sent, as_user, official
):
    item = sent.evidence.get(supplement=None)
    response = as_user(official).get(item.get_absolute_url())
    content = b"".join(response.streaming_content)
    assert response["Content-Disposition"].startswith("attachment;")
    assert 'filename="forsta.png"' in response["Content-Disposition"]
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    policy = response["Content-Security-Policy"]
    assert "sandbox" in policy and "default-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy
    assert response["Referrer-Policy"] == "same-origin"
    assert hashlib.sha256(content).hexdigest() == item.sha256


# Mina rapporter


def test_my_reports_lists_my_own_reports_with_their_status(sent, as_user, official):
    Incident.objects.create(reporter=official)  # a draft
    html = as_user(official).get("/mina-rapporter/").text
    assert sent.reference in html
    assert "Status: Ny" in html
    assert "Utkast sparat" in html


def test_my_reports_shows_nothing_of_another_officials(sent, as_user, other_official):
    html = as_user(other_official).get("/mina-rapporter/").text
    assert sent.reference not in html
    assert "Du har inte skickat någon rapport." in html


def test_my_reports_asks_an_anonymous_visitor_to_log_in(as_user):
    assert as_user(None).get("/mina-rapporter/")["Location"].startswith("/logga-in/")


def test_the_report_page_shows_what_was_sent_and_the_supplement_with_its_time(
    sent, as_user, official
):
    response = as_user(official).get(f"/mina-rapporter/{sent.pk}/")
    html = response.text
    assert "no-store" in response["Cache-Control"]
    assert SECRET in html
    assert "forsta.png" in html and "andra.png" in html
    supplement = Supplement.objects.get()
    assert "Han ringde igen i dag." in html
    assert f"{supplement.created_at:%Y}" in html


def test_a_supplement_is_added_once_even_if_sent_twice(sent, as_user, official):
    client = as_user(official)
    data = {"text": "Polisens nummer är 5000-K123-26", "submission_token": str(uuid.uuid4())}
    first = client.post(f"/mina-rapporter/{sent.pk}/komplettera/", data)
    second = client.post(f"/mina-rapporter/{sent.pk}/komplettera/", data)
    assert first["Location"] == second["Location"] == f"/mina-rapporter/{sent.pk}/"
    texts = [s.text for s in Supplement.objects.all()]
    assert texts.count("Polisens nummer är 5000-K123-26") == 1


def test_a_supplement_tells_the_officers_without_content(sent, officer):
    mail_about_supplement = [m for m in mail.outbox if "Komplettering" in m.subject]
    assert len(mail_about_supplement) == 1
    assert sent.reference in mail_about_supplement[0].subject
    assert "Han ringde igen" not in mail_about_supplement[0].body


def test_an_empty_supplement_is_refused(sent, as_user, official):
    response = as_user(official).post(
        f"/mina-rapporter/{sent.pk}/komplettera/", {"submission_token": str(uuid.uuid4())}
    )
    assert response.status_code == 200
    assert "Skriv något eller välj en fil att lägga till." in response.text
    assert Supplement.objects.count() == 1


def test_a_bad_file_in_a_supplement_is_refused_and_the_text_kept(sent, as_user, official):
    before = len(stored_files())
    response = as_user(official).post(
        f"/mina-rapporter/{sent.pk}/komplettera/",
        {
            "text": "Ett nytt brev kom.",
            "submission_token": str(uuid.uuid4()),
            "files": [png_upload("brev.pdf").__class__("brev.pdf", b"inte en pdf")],
        },
    )
    assert response.status_code == 200
    assert "Filen ”brev.pdf” är inte i ett format vi kan ta emot" in response.text
    assert "Ett nytt brev kom." in response.text
    assert Supplement.objects.count() == 1
    assert len(stored_files()) == before


def test_a_draft_cannot_get_a_supplement(draft, as_user, official):
    response = as_user(official).post(
        f"/mina-rapporter/{draft.pk}/komplettera/",
        {"text": "x", "submission_token": str(uuid.uuid4())},
    )
    assert response.status_code == 404


# The admin


def test_the_admin_shows_the_report_with_sha256_and_a_checked_download_link(sent, as_user, officer):
    html = as_user(officer).get(f"/admin/incidents/incident/{sent.pk}/change/").text
    item = sent.evidence.get(supplement=None)
    assert item.sha256 in html
    assert f'href="/mina-rapporter/{sent.pk}/filer/{item.pk}/"' in html
    assert SECRET in html


def test_the_admin_lists_sent_reports_but_not_drafts(sent, draft, as_user, officer):
    html = as_user(officer).get("/admin/incidents/incident/").text
    assert sent.reference in html
    assert as_user(officer).get(f"/admin/incidents/incident/{draft.pk}/change/").status_code in (
        302,
        404,
    )


def test_the_admin_cannot_delete_a_report(sent, as_user, officer):
    response = as_user(officer).post(
        f"/admin/incidents/incident/{sent.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 403
    assert Incident.objects.filter(pk=sent.pk).exists()


def test_from_a_bucket_a_file_reaches_a_browser_only_through_the_checked_logged_download(
    s3_storage, s3_server, sent, as_user, official, officer
):
    bucket, client = s3_storage
    item = sent.evidence.get(supplement=None)
    response = as_user(officer).get(item.get_absolute_url())
    downloaded = b"".join(response.streaming_content)
    assert hashlib.sha256(downloaded).hexdigest() == item.sha256
    # What the bucket holds is the encrypted file, never what is downloaded.
    stored = client.get_object(Bucket=bucket, Key=item.file.name)["Body"].read()
    assert stored.startswith(crypto.MAGIC) and stored != downloaded
    # The file's name is encrypted in the log, so it is compared as read, not searched for.
    logged = AccessLogEntry.objects.filter(
        user_email=officer.email, action=AccessLogEntry.Action.NEDLADDNING
    )
    assert [entry.evidence_name for entry in logged] == [item.original_name]
    pages = [
        as_user(officer).get(f"/admin/incidents/incident/{sent.pk}/change/"),
        as_user(official).get(f"/mina-rapporter/{sent.pk}/"),
    ]
    for page in pages:
        assert page.status_code == 200
        # No address of the bucket, and no signed link to an object in it.
        assert s3_server not in page.text and bucket not in page.text
        assert "X-Amz-" not in page.text and "AWSAccessKeyId" not in page.text
