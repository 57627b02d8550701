"""Evidence files: type by content, limits, images without position, private storage."""

import hashlib
import io
import wave

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from PIL import ExifTags, Image
from pypdf import PdfWriter

from incidents import evidence
from incidents.models import Evidence, Incident

from .test_incident_report import SECRET, png_upload, report_data, stored_files

pytestmark = pytest.mark.django_db

GPS = {
    ExifTags.GPS.GPSLatitudeRef: "N",
    ExifTags.GPS.GPSLatitude: (59.0, 22.0, 12.0),
    ExifTags.GPS.GPSLongitudeRef: "E",
    ExifTags.GPS.GPSLongitude: (16.0, 30.0, 5.0),
}


def photo_with_gps(name="IMG_0042.jpg"):
    """A phone photo held upright: stored 40 wide and 20 high, with orientation 6 (turn it
    90°) and the position where it was taken."""
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Model] = "iPhone 15"
    exif.get_ifd(ExifTags.IFD.GPSInfo).update(GPS)
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), "green").save(buffer, "JPEG", exif=exif)
    data = buffer.getvalue()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def pdf_upload(name="brevet.pdf"):
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    buffer = io.BytesIO()
    writer.write(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/pdf")


def wav_upload(name="samtal.wav"):
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as sound:
        sound.setnchannels(1)
        sound.setsampwidth(2)
        sound.setframerate(8000)
        sound.writeframes(b"\x00\x00" * 800)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="audio/wav")


@pytest.fixture
def send_files(client, official, officer, django_capture_on_commit_callbacks):
    client.force_login(official)

    def post(*files, **overrides):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post("/rapportera/", {**report_data(**overrides), "files": list(files)})

    return post


def assert_refused(response, *phrases):
    assert response.status_code == 200
    html = response.text
    assert "Något behöver rättas innan du kan gå vidare" in html
    for phrase in phrases:
        assert phrase in html
    assert "Välj filen igen" in html or "Välj färre filer" in html
    assert "Filerna du valde är inte sparade" in html
    assert SECRET in html  # nothing typed is lost
    assert Incident.objects.count() == 0 and Evidence.objects.count() == 0
    assert stored_files() == []


# Cleaning images


def test_a_photo_is_stored_without_gps_or_exif_and_turned_upright(send_files):
    send_files(photo_with_gps())
    item = Evidence.objects.get()
    data = item.file.read()
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG"
    assert image.size == (20, 40)  # turned the way the phone was held
    assert not image.getexif()
    assert b"iPhone" not in data and b"GPS" not in data
    assert item.content_type == "image/jpeg"
    assert item.original_name == "IMG_0042.jpg"


def test_the_sha256_is_of_the_stored_bytes(send_files):
    send_files(photo_with_gps(), pdf_upload())
    for item in Evidence.objects.all():
        assert item.sha256 == hashlib.sha256(item.file.read()).hexdigest()
        assert item.size == item.file.size


def test_a_heic_photo_from_an_iphone_is_stored_as_jpeg(send_files):
    pillow_heif = pytest.importorskip("pillow_heif")
    buffer = io.BytesIO()
    pillow_heif.from_pillow(Image.new("RGB", (32, 32), "red")).save(buffer, quality=50)
    send_files(SimpleUploadedFile("IMG_0001.HEIC", buffer.getvalue(), "image/heic"))
    item = Evidence.objects.get()
    assert item.content_type == "image/jpeg"
    assert item.download_name == "IMG_0001.jpg"
    assert Image.open(item.file).format == "JPEG"


def test_a_png_screenshot_stays_a_png(send_files):
    send_files(png_upload())
    item = Evidence.objects.get()
    assert item.content_type == "image/png"
    assert Image.open(item.file).format == "PNG"


def test_a_pdf_and_a_recording_are_kept_byte_for_byte(send_files):
    pdf, sound = pdf_upload(), wav_upload()
    send_files(pdf, sound)
    by_name = {e.original_name: e for e in Evidence.objects.all()}
    pdf.seek(0)
    sound.seek(0)
    assert by_name["brevet.pdf"].file.read() == pdf.read()
    assert by_name["brevet.pdf"].content_type == "application/pdf"
    assert by_name["samtal.wav"].file.read() == sound.read()
    assert by_name["samtal.wav"].content_type == "audio/x-wav"


def test_the_type_comes_from_the_content_not_the_name(send_files):
    send_files(png_upload("kvitto.jpg"))
    item = Evidence.objects.get()
    assert item.content_type == "image/png"
    assert item.download_name == "kvitto.png"


def test_files_are_kept_under_random_names_in_the_private_folder(send_files, settings):
    send_files(photo_with_gps("Hotbrev från grannen.jpg"))
    [path] = stored_files()
    assert path.parent == settings.MEDIA_ROOT / "evidence"
    assert "grannen" not in path.name
    assert oct(path.stat().st_mode & 0o777) == oct(0o600)


# Refused files


def test_a_text_file_renamed_to_jpg_is_refused(send_files):
    fake = SimpleUploadedFile("foto.jpg", "Det här är ingen bild.\n".encode() * 10, "image/jpeg")
    assert_refused(send_files(fake), "Filen ”foto.jpg” är inte i ett format vi kan ta emot")


def test_a_program_renamed_to_pdf_is_refused(send_files):
    fake = SimpleUploadedFile("protokoll.pdf", b"MZ\x90\x00" + b"\x00" * 200, "application/pdf")
    assert_refused(send_files(fake), "Filen ”protokoll.pdf” är inte i ett format")


def test_a_broken_image_is_refused(send_files):
    broken = SimpleUploadedFile("trasig.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 300, "image/jpeg")
    assert_refused(send_files(broken), "Filen ”trasig.jpg” ser ut som en bild men går inte")


def test_a_good_file_next_to_a_bad_one_is_not_saved_either(send_files):
    fake = SimpleUploadedFile("foto.jpg", b"inte en bild", "image/jpeg")
    assert_refused(send_files(png_upload(), fake), "foto.jpg")


def test_a_file_over_the_limit_is_refused_with_its_size(send_files, settings):
    settings.INCIDENT_MAX_FILE_SIZE = 1000
    big = SimpleUploadedFile("stor.pdf", b"%PDF-1.4\n" + b"0" * 2000, "application/pdf")
    assert_refused(send_files(big), "Filen ”stor.pdf” är 2,0\xa0kB", "högst 1000\xa0byte")


def test_too_many_files_are_refused(send_files, settings):
    settings.INCIDENT_MAX_FILES = 2
    response = send_files(png_upload("a.png"), png_upload("b.png"), png_upload("c.png"))
    assert_refused(response, "Du valde 3 filer. Det går att skicka högst 2 åt gången.")


def test_too_much_in_total_is_refused(send_files, settings):
    settings.INCIDENT_MAX_TOTAL_SIZE = 200
    response = send_files(png_upload("a.png"), png_upload("b.png"), png_upload("c.png"))
    assert_refused(response, "Filerna är tillsammans", "högst 200\xa0byte")


def test_the_default_limits_are_15_mb_a_file_50_mb_and_10_files():
    assert evidence.limits() == (15 * 1024 * 1024, 50 * 1024 * 1024, 10)


@hypothesis_settings(max_examples=150, deadline=None)
@given(
    prefix=st.sampled_from([b"", b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"%PDF-", b"GIF89a"]),
    body=st.binary(max_size=400),
)
def test_any_bytes_are_either_refused_plainly_or_accepted_as_an_allowed_type(prefix, body):
    upload = SimpleUploadedFile("bild.jpg", prefix + body)
    try:
        prepared = evidence.prepare(upload)
    except ValidationError as error:
        assert "Välj filen igen" in error.messages[0]
    else:
        assert prepared.content_type in evidence.ALLOWED


def test_a_transparent_gif_keeps_its_transparency_as_png():
    image = Image.new("P", (10, 10), 0)
    image.putpalette([255, 0, 0, 0, 0, 255] + [0] * 762)
    image.info["transparency"] = 0
    buffer = io.BytesIO()
    image.save(buffer, "GIF", transparency=0, comment=b"Skickad fran Anna")
    prepared = evidence.prepare(SimpleUploadedFile("meme.gif", buffer.getvalue()))
    stored = Image.open(io.BytesIO(prepared.data))
    assert prepared.content_type == "image/png"
    assert stored.mode == "RGBA" and stored.getpixel((0, 0))[3] == 0
    assert b"Anna" not in prepared.data


def test_a_webp_photo_is_stored_as_jpeg():
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), "white").save(buffer, "WEBP")
    prepared = evidence.prepare(SimpleUploadedFile("bild.webp", buffer.getvalue()))
    assert prepared.content_type == "image/jpeg"
    assert Image.open(io.BytesIO(prepared.data)).format == "JPEG"
