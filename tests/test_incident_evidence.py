"""Evidence files: type by content, limits, images without position, private storage."""

import hashlib
import io
import wave
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from PIL import ExifTags, Image, ImageFile
from pypdf import PdfWriter

from incidents import evidence
from incidents.models import Evidence, Incident
from portal import crypto

from .conftest import SECRET, png_upload, report_data, stored_files

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


def test_a_photo_is_stored_without_gps_or_exif_and_turned_upright(send_files, each_storage):
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


def test_the_sha256_is_of_the_stored_bytes(send_files, each_storage):
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


def test_a_pdf_and_a_recording_are_kept_byte_for_byte(send_files, each_storage):
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
    [path] = (settings.MEDIA_ROOT / "evidence").iterdir()
    assert stored_files() == [f"evidence/{path.name}"]
    assert "grannen" not in path.name
    assert oct(path.stat().st_mode & 0o777) == oct(0o600)
    assert oct(path.parent.stat().st_mode & 0o777) == oct(0o700)


def test_in_a_bucket_files_are_kept_under_random_names_and_nothing_else(send_files, s3_storage):
    bucket, client = s3_storage
    send_files(photo_with_gps("Hotbrev från grannen.jpg"), pdf_upload())
    keys = sorted(item["Key"] for item in client.list_objects_v2(Bucket=bucket)["Contents"])
    assert keys == stored_files() and len(keys) == 2
    assert all(key.startswith("evidence/") and "grannen" not in key for key in keys)
    for item in Evidence.objects.all():
        # Encrypted in the bucket; the contents come back through the portal's storage.
        stored = client.get_object(Bucket=bucket, Key=item.file.name)["Body"].read()
        assert stored.startswith(crypto.MAGIC)
        assert hashlib.sha256(stored).hexdigest() != item.sha256
        with item.file.open("rb") as contents:
            assert hashlib.sha256(contents.read()).hexdigest() == item.sha256


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


def test_a_good_file_next_to_a_bad_one_is_not_saved_either(send_files, each_storage):
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


# Images that are made to take the portal down (decompression bombs)


@pytest.fixture(scope="module")
def bomb_png():
    """79 megapixels of nothing: a few kilobytes as PNG, hundreds of megabytes decoded."""
    buffer = io.BytesIO()
    Image.new("1", (8900, 8900)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def flat_png():
    """36 megapixels, under the cap, in a file far smaller than any photo of that size."""
    buffer = io.BytesIO()
    Image.new("L", (6000, 6000), 255).save(buffer, "PNG")
    return buffer.getvalue()


def test_an_image_of_too_many_pixels_is_refused_without_being_decoded(send_files, bomb_png):
    bomb = SimpleUploadedFile("skarmdump.png", bomb_png, "image/png")
    with mock.patch.object(ImageFile.ImageFile, "load", side_effect=AssertionError("decoded")):
        response = send_files(bomb)
    assert_refused(
        response, "Bilden ”skarmdump.png” har fler bildpunkter än vi kan ta emot", "50 miljoner"
    )


def test_a_large_image_in_a_tiny_file_is_refused_without_being_decoded(send_files, flat_png):
    flat = SimpleUploadedFile("bild.png", flat_png, "image/png")
    with mock.patch.object(ImageFile.ImageFile, "load", side_effect=AssertionError("decoded")):
        response = send_files(flat)
    assert_refused(
        response,
        "Bilden ”bild.png” är 6\xa0000 × 6\xa0000 bildpunkter i en fil på bara",
        "Så ser inte ett foto eller en skärmdump ut",
    )


def test_small_plain_images_are_still_taken(send_files):
    """A screenshot of an almost empty screen packs tightly too, but costs nothing."""
    send_files(png_upload("tom.png", size=(1170, 2532)))
    assert Evidence.objects.get().original_name == "tom.png"


def test_a_sending_of_more_pixels_than_the_limit_is_refused_before_any_is_decoded(
    send_files, monkeypatch
):
    monkeypatch.setattr(evidence, "MAX_TOTAL_PIXELS", 500)
    files = [png_upload("a.png"), png_upload("b.png"), png_upload("c.png")]  # 200 pixels each
    with mock.patch.object(ImageFile.ImageFile, "load", side_effect=AssertionError("decoded")):
        response = send_files(*files)
    assert_refused(
        response,
        "Bilderna är tillsammans för stora för att skickas på en gång",
        "Välj färre filer, och skicka resten som en komplettering efteråt.",
    )


def test_the_default_image_limits_are_50_megapixels_a_file_and_150_a_sending():
    assert (evidence.MAX_PIXELS, evidence.MAX_TOTAL_PIXELS) == (50_000_000, 150_000_000)


# File names that are not UTF-8


def multipart(fields, files, boundary="grans-7MA4YWxkTrZu0gW"):
    """A form as a browser would send it, but with file names as raw bytes, which the
    test client can't send: some apps and older systems write names in Latin-1."""
    body = b""
    for name, values in fields.items():
        for value in values if isinstance(values, list) else [values]:
            body += (
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
            ).encode()
    for filename, content in files:
        body += (
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="'.encode()
            + filename
            + b'"\r\nContent-Type: application/octet-stream\r\n\r\n'
            + content
            + b"\r\n"
        )
    body += f"--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


@pytest.mark.parametrize(
    "filename, kept_as",
    [
        (b"\xff\xfe.png", "ÿþ.png"),
        (b"hotbrev fr\xe5n grannen.png", "hotbrev från grannen.png"),  # Latin-1
        ("hotbrev från grannen.png".encode(), "hotbrev från grannen.png"),  # UTF-8
    ],
)
def test_a_file_whose_name_is_not_utf8_is_kept_with_the_report(client, official, filename, kept_as):
    client.force_login(official)
    picture = png_upload().read()
    body, content_type = multipart(report_data(), [(filename, picture)])
    response = client.generic("POST", "/rapportera/", body, content_type=content_type)
    incident = Incident.objects.get()
    assert response["Location"] == f"/mina-rapporter/{incident.pk}/kvitto/"
    item = Evidence.objects.get(incident=incident)
    assert item.original_name == kept_as
    assert Image.open(item.file).size == (20, 10)


def test_a_report_with_a_latin1_file_name_still_needs_the_csrf_token(official):
    client = Client(enforce_csrf_checks=True)
    client.force_login(official)
    body, content_type = multipart(report_data(), [(b"\xff.png", png_upload().read())])
    response = client.generic("POST", "/rapportera/", body, content_type=content_type)
    assert response.status_code == 403
    assert Incident.objects.count() == 0


class Trickle(io.BytesIO):
    """A request body that arrives a few bytes at a time, as over a slow network."""

    def __init__(self, data, size):
        super().__init__(data)
        self.size = size

    def read(self, size=-1):
        return super().read(self.size)


@hypothesis_settings(max_examples=60, deadline=None)
@given(size=st.integers(min_value=1, max_value=200))
def test_only_the_parts_headers_are_rewritten_however_the_body_arrives(size):
    # Content that is not UTF-8 and looks like a delimiter and headers, but is neither.
    content = b"\xff\xd8\r\n--grans-7MA\r\n\r\nfr\xe5n\r\n--grans\xe5\r\n\r\n" * 50
    body, _ = multipart({"place": "Facebook"}, [(b"fr\xe5n.jpg", content)])
    stream = evidence._HeadersInUtf8(Trickle(body, size), b"grans-7MA4YWxkTrZu0gW")
    repaired = b"".join(iter(lambda: stream.read(65536), b""))
    assert repaired == body.replace(b'filename="fr\xe5n.jpg"', 'filename="från.jpg"'.encode())


# A storage that will not take the files


def test_a_report_sent_while_the_bucket_is_down_keeps_what_was_written(send_files, settings):
    from portal.settings import s3_storage as storage_in

    from .conftest import S3_REGION, encrypted, free_port

    nobody_there = f"http://127.0.0.1:{free_port()}"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": encrypted(storage_in("bevis", nobody_there, S3_REGION, "test", "test")),
    }
    response = send_files(png_upload())
    assert response.status_code == 200
    html = response.text
    assert "Filerna kunde inte sparas just nu, så rapporten är inte skickad än" in html
    assert "Ring 112" in html
    assert SECRET in html  # nothing typed is lost
    assert Incident.objects.count() == 0 and Evidence.objects.count() == 0


def test_information_added_while_the_disk_is_full_is_not_lost(logged_in, official):
    from django.core.files.storage import FileSystemStorage

    from .conftest import sent_report

    incident = sent_report(official)
    written = "Han stod utanför huset igen i kväll."
    with mock.patch.object(FileSystemStorage, "_save", side_effect=OSError("disken är full")):
        response = logged_in.post(
            f"/mina-rapporter/{incident.pk}/komplettera/",
            {"text": written, "files": [png_upload()], "submission_token": "a" * 32},
        )
    assert response.status_code == 200
    assert "Filerna kunde inte sparas just nu, så det du lade till är inte sparat än" in (
        response.text
    )
    assert written in response.text
    assert incident.supplements.count() == 0 and Evidence.objects.count() == 0
    assert stored_files() == []
