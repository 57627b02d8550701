"""Underlag till polisanmälan: a report, its course and its evidence as one PDF for the police,
for the reporter and the security officers only, each download in the access log."""

import hashlib
import io
import re
import shutil
import subprocess
import uuid
from unittest import mock

import pytest
from django.core.files.storage import InMemoryStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from incidents import evidence
from incidents.models import AccessLogEntry, Evidence, InternalNote
from incidents.police_bundle import evidence_fetcher, for_print

from .conftest import PLACE, SECRET, login_verified, png_upload, sent_report
from .test_incident_evidence import pdf_upload

pytestmark = pytest.mark.django_db

needs_poppler = pytest.mark.skipif(
    not (shutil.which("pdftotext") and shutil.which("pdfimages")),
    reason="needs poppler-utils (installed by .ci/run)",
)

SUPPLEMENT = "Han ringde igen i kväll och sa samma sak."
MESSAGE = "Tack för rapporten. Har du polisanmält?"
REPLY = "Nej, jag gör det i morgon."
NOTE = "Intern anteckning: personen är känd sedan tidigare."


def jpeg_upload(name="brevet-foto.jpg"):
    buffer = io.BytesIO()
    Image.new("RGB", (30, 40), "red").save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


@pytest.fixture
def storage():
    """Evidence in a storage that is not a directory, as it will be on S3: the bundle must
    read the files through the storage API, never from a path."""
    memory = InMemoryStorage()
    with mock.patch.object(Evidence._meta.get_field("file"), "storage", memory):
        yield memory


@pytest.fixture
def report(official, officer, storage):
    """A sent report with a screenshot and a letter, a supplement with a photo, a message from
    the security officer with the reporter's answer, and an internal note."""
    incident = sent_report(official, police_report="nej")
    with evidence.atomic():
        incident.attach(evidence.prepare_all([png_upload("skarmdump.png"), pdf_upload("brev.pdf")]))
        incident.add_supplement(
            official, SUPPLEMENT, evidence.prepare_all([jpeg_upload()]), uuid.uuid4()
        )
        message = incident.send_message(officer, MESSAGE)
        incident.add_supplement(official, REPLY, [], uuid.uuid4(), in_reply_to=message)
        InternalNote.objects.create(incident=incident, author=officer, text=NOTE)
    return incident


def url(incident):
    return f"/mina-rapporter/{incident.pk}/underlag-polisanmalan.pdf"


def pdf_text(content, tmp_path):
    (tmp_path / "underlag.pdf").write_bytes(content)
    return subprocess.run(
        ["pdftotext", "-layout", str(tmp_path / "underlag.pdf"), "-"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip


def squeezed(text):
    return re.sub(r"\s+", "", text)


# Who may have it


def test_the_reporter_downloads_the_bundle_from_their_report(logged_in, report):
    page = logged_in.get(f"/mina-rapporter/{report.pk}/").text
    assert f'href="{url(report)}"' in page
    response = logged_in.get(url(report))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert response["Content-Disposition"] == (
        f'attachment; filename="underlag-polisanmalan-{report.reference}.pdf"'
    )
    assert "no-store" in response["Cache-Control"]


def test_a_security_officer_downloads_it_from_the_admin(client, officer, report):
    login_verified(client, officer)
    change = client.get(f"/admin/incidents/incident/{report.pk}/change/").text
    assert f'href="{url(report)}"' in change
    response = client.get(url(report))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")


def test_another_official_gets_404(client, other_official, report):
    client.force_login(other_official)
    assert client.get(url(report)).status_code == 404


def test_a_visitor_is_asked_to_log_in(client, report):
    response = client.get(url(report))
    assert response.status_code == 302
    assert response["Location"].startswith("/logga-in/?next=")


def test_an_officer_without_the_second_factor_is_refused(client, officer, report):
    client.force_login(officer)
    assert client.get(url(report)).status_code == 404
    assert not AccessLogEntry.objects.exists()


def test_a_draft_has_no_bundle(logged_in, official):
    from incidents.models import Incident

    draft = Incident.objects.create(reporter=official, during=SECRET)
    assert logged_in.get(url(draft)).status_code == 404


# The access log


def test_each_download_is_in_the_access_log(client, official, officer, report):
    client.force_login(official)
    client.get(url(report))
    login_verified(client, officer)
    client.get(url(report))
    entries = AccessLogEntry.objects.order_by("at", "pk")
    assert [(e.user_email, e.action, e.reference, e.incident_id) for e in entries] == [
        (official.email, AccessLogEntry.Action.EXPORT, report.reference, report.pk),
        (officer.email, AccessLogEntry.Action.EXPORT, report.reference, report.pk),
    ]
    assert entries[0].exported == "Underlag till polisanmälan (PDF) med 3 bevisfiler"


# What it says


@needs_poppler
def test_the_bundle_holds_the_report_its_course_and_the_polices_advice(logged_in, report, tmp_path):
    text = pdf_text(logged_in.get(url(report)).content, tmp_path)
    flat = " ".join(text.split())
    assert "Underlag till polisanmälan" in flat
    assert report.reference in flat
    for said in [SECRET, PLACE, SUPPLEMENT, MESSAGE, REPLY]:
        assert said in flat
    assert "Anna Andersson" in flat and "Förtroendevald i Region Sörmland" in flat
    # The plan's advice on reporting to the police.
    assert "Säg att du är förtroendevald" in flat
    assert "begära att anmälan blir åtkomstskyddad" in flat
    assert "sekretessbelagd under utredningen" in flat
    assert "Skyddet upphör om anmälan leder till åtal" in flat
    # What the reporter never sees is not in it either.
    assert NOTE not in flat


@needs_poppler
def test_each_evidence_file_is_listed_with_the_sha256_of_its_stored_bytes(
    logged_in, report, storage, tmp_path
):
    text = pdf_text(logged_in.get(url(report)).content, tmp_path)
    files = list(report.evidence.all())
    assert len(files) == 3
    for item in files:
        assert item.original_name in text
        with storage.open(item.file.name, "rb") as stored:
            digest = hashlib.sha256(stored.read()).hexdigest()
        assert digest == item.sha256
        # Listed, and again under its image when it is one.
        assert squeezed(text).count(digest) == (2 if item.content_type.startswith("image/") else 1)


@needs_poppler
def test_evidence_images_are_pages_of_the_bundle(logged_in, report, tmp_path):
    content = logged_in.get(url(report)).content
    (tmp_path / "underlag.pdf").write_bytes(content)
    listed = subprocess.run(
        ["pdfimages", "-list", str(tmp_path / "underlag.pdf")],
        capture_output=True, text=True, check=True,
    ).stdout.splitlines()[2:]  # fmt: skip
    # The screenshot and the photo, each on a page of its own; the letter (a PDF) is listed.
    sizes = sorted((int(row.split()[3]), int(row.split()[4])) for row in listed)
    assert sizes == [(20, 10), (30, 40)]
    assert len({row.split()[0] for row in listed}) == 2
    # As JPEG, the stored PNG too: WeasyPrint would compress a PNG again, slowly.
    assert [row.split()[8] for row in listed] == ["jpeg", "jpeg"]


def test_a_transparent_image_is_printed_on_white():
    buffer = io.BytesIO()
    Image.new("RGBA", (4, 4), (255, 0, 0, 0)).save(buffer, "PNG")
    item = Evidence(content_type="image/png")
    printed = Image.open(io.BytesIO(for_print(item, buffer.getvalue())))
    assert printed.format == "JPEG" and printed.getpixel((1, 1)) == (255, 255, 255)


def test_the_bundle_fetches_nothing_but_the_reports_own_evidence(report):
    fetcher = evidence_fetcher(list(report.evidence.all()))
    item = report.evidence.first()
    printed = Image.open(io.BytesIO(fetcher.fetch(f"evidence:{item.pk}").read()))
    assert item.original_name == "skarmdump.png" and printed.size == (20, 10)
    for elsewhere in [
        "https://example.com/bild.png",
        "file:///etc/passwd",
        f"evidence:{item.pk + 1000}",
    ]:
        with pytest.raises(ValueError, match="bara rapportens egna bevisfiler"):
            fetcher.fetch(elsewhere)
