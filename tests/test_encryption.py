"""What is reported is encrypted at rest: a copy of the database or of the uploads tells nothing.

The raw rows and the stored files are read as a thief would read them; with the key the
portal shows everything exactly as written; another key, or none, gives a clear page and
loses nothing; a new key takes over through manage.py reencrypt, resumably.
"""

import base64
import hashlib
import io
import logging
import os
import uuid

import pytest
from django.core.exceptions import FieldError
from django.core.files.base import ContentFile
from django.core.files.storage import InMemoryStorage, default_storage
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from PIL import Image

from incidents.models import (
    AccessLogEntry,
    CallLog,
    Evidence,
    Incident,
    InternalNote,
    TriageChange,
)
from portal import crypto
from portal.crypto import CHUNK, HEADER, EncryptedStorage, Unreadable, new_key
from portal.reencryption import rewrite_rows

from .conftest import (
    PLACE,
    SECRET,
    change_url,
    kept_values,
    login_verified,
    post_after_idle_timeout,
    report_data,
    sent_report,
)
from .test_incident_report import KEPT_REPORT

CONTACT = "Ring min privata mobil 073-555 12 34 efter klockan 17."
PHOTO_NAME = "hotet-på-dörren.png"


def photo():
    """A photo whose bytes are not like any other's: noise does not compress."""
    buffer = io.BytesIO()
    Image.effect_noise((96, 64), 60).convert("RGB").save(buffer, "PNG")
    return ContentFile(buffer.getvalue(), name=PHOTO_NAME)


def raw_database(prefix=""):
    """Every value in every table (whose name begins with prefix) as it is stored: what a
    dump or a stolen copy holds."""
    values = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            if not table.startswith(prefix):
                continue
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, bytes | memoryview):
                        value = bytes(value).decode("latin-1")
                    values.append(str(value))
    return "\n".join(values)


def raw_files(settings):
    """Every stored upload, byte for byte, as a copy of the upload directory holds it."""
    root = settings.MEDIA_ROOT
    return {p: p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def keys(settings, *secrets):
    """Make the portal run with these keys (each new_key()), the first the newest."""
    settings.PORTAL_ENCRYPTION_KEYS = [base64.urlsafe_b64decode(s) for s in secrets]


@pytest.fixture
def key_a(settings):
    secret = new_key()
    keys(settings, secret)
    return secret


@pytest.fixture
def reported(key_a, official, officer, django_capture_on_commit_callbacks):
    """Anna's report, written and sent through the form with a photo, triaged, with a note,
    a message, her answer and a closing, and the photo downloaded (so that the access log
    has its name)."""
    client = Client()
    client.force_login(official)
    data = {**report_data(during=SECRET, place=PLACE, contact_how=CONTACT), "files": [photo()]}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/rapportera/", data)
    assert response.status_code == 302
    incident = Incident.objects.get()
    incident.change_triage(officer, status=Incident.Status.UNDER_BEDOMNING, handler=officer)
    InternalNote.objects.create(incident=incident, author=officer, text="Ringde polisen i dag.")
    message = incident.send_message(officer, "Vi har pratat med polisen om dörren.")
    incident.add_supplement(official, "Han stod där igen i morse.", [], uuid.uuid4(),
                            in_reply_to=message)  # fmt: skip
    incident.change_triage(
        officer,
        status=Incident.Status.AVSLUTAD,
        closing_summary="Polisen utreder; larm installerat i bostaden.",
        closing_message="Hör av dig direkt om han kommer tillbaka.",
    )
    evidence = incident.evidence.get()
    download = client.get(evidence.get_absolute_url())
    assert download.status_code == 200
    return incident, evidence, b"".join(download.streaming_content)


WRITTEN = [
    SECRET, PLACE, CONTACT, PHOTO_NAME, "Ringde polisen i dag.", "Vi har pratat med polisen",
    "Han stod där igen i morse.", "larm installerat i bostaden", "om han kommer tillbaka",
    "Kontot heter Sanningen123.", "Jag tog skärmdumpar och blockerade kontot.",
]  # fmt: skip


def test_a_copy_of_the_database_and_the_uploads_holds_no_report_text_and_no_photo(
    reported, settings
):
    incident, evidence, downloaded = reported
    database = raw_database()
    for text in WRITTEN:
        assert text not in database, text
    # What triage and the statistics need is there in clear.
    assert incident.reference in database and "avslutad" in database
    assert evidence.sha256 in database

    stored = raw_files(settings)
    assert len(stored) == 1
    (raw,) = stored.values()
    assert b"PNG" not in raw[:HEADER] and raw.startswith(crypto.MAGIC)
    for start in range(0, len(downloaded) - 32, 32):
        assert downloaded[start : start + 32] not in raw
    assert SECRET.encode() not in raw


CALL_SAID = "Du ska få se vad som händer med dig efter mötet på torsdag."
CALL_NUMBER = "070-999 88 77"


def test_what_is_written_in_a_call_log_is_not_in_the_database_and_comes_back_exactly(
    key_a, official
):
    client = Client()
    client.force_login(official)
    written = {
        "said": CALL_SAID, "wants": "Att jag drar tillbaka motionen.",
        "voice": "Man, skånsk dialekt.", "background": "Ett tåg som tutade.",
        "number_shown": CALL_NUMBER, "listener": "Kollegan Lisa Lund på högtalare.",
    }  # fmt: skip
    response = client.post(
        "/rapportera/samtal/",
        {**written, "submission_token": str(uuid.uuid4()), "action": "rapport"},
    )
    assert response.status_code == 302
    database = raw_database()
    for text in written.values():
        assert text not in database, text
    log = CallLog.objects.get()
    assert {name: getattr(log, name) for name in written} == written
    # Written into the draft: its text and its place ("Telefonsamtal från …") as encrypted.
    assert log.incident.place == f"Telefonsamtal från {CALL_NUMBER}"
    assert CALL_SAID in log.incident.during


def test_with_the_key_everything_comes_back_exactly(reported, official, officer):
    incident, evidence, downloaded = reported
    incident.refresh_from_db()
    assert (incident.during, incident.place, incident.contact_how) == (SECRET, PLACE, CONTACT)
    assert evidence.original_name == PHOTO_NAME
    assert hashlib.sha256(downloaded).hexdigest() == evidence.sha256
    assert len(downloaded) == evidence.size == evidence.file.size
    with evidence.file.open("rb") as contents:
        assert contents.read() == downloaded
    assert AccessLogEntry.objects.get(action="nedladdning").evidence_name == PHOTO_NAME
    assert {c.new_value for c in TriageChange.objects.filter(field="closing_summary")} == {
        "Polisen utreder; larm installerat i bostaden."
    }

    client = Client()
    client.force_login(official)
    page = client.get(incident.get_absolute_url()).text
    for text in [SECRET, PLACE, "Vi har pratat med polisen", "Han stod där igen i morse."]:
        assert text in page
    login_verified(client, officer)
    admin = client.get(change_url(incident)).text
    for text in [SECRET, PLACE, CONTACT, PHOTO_NAME, "Ringde polisen i dag.", "larm installerat"]:
        assert text in admin


def test_a_download_has_the_length_and_bytes_of_the_contents(reported, official):
    incident, evidence, downloaded = reported
    client = Client()
    client.force_login(official)
    response = client.get(evidence.get_absolute_url())
    assert int(response["Content-Length"]) == evidence.size
    assert b"".join(response.streaming_content) == downloaded


def test_text_kept_through_a_login_that_ran_out_is_encrypted_in_the_session(client, official):
    post_after_idle_timeout(client, official, "/rapportera/", report_data(place=PLACE))
    stored = client.session[KEPT_REPORT.session_key]["data"]
    assert PLACE not in stored and stored.startswith(crypto.TEXT_PREFIX)
    assert kept_values(client, KEPT_REPORT)["place"] == [PLACE]


# Another key, or none: a clear page, and nothing lost


@pytest.mark.parametrize("why", ["en annan nyckel", "ändrade data"])
def test_a_wrong_key_or_changed_data_gives_a_clear_page_and_loses_nothing(
    reported, settings, official, officer, caplog, why
):
    incident, evidence, downloaded = reported
    right = settings.PORTAL_ENCRYPTION_KEYS
    if why == "en annan nyckel":
        keys(settings, new_key())
    else:
        with connection.cursor() as cursor:
            cursor.execute("SELECT during FROM incidents_incident WHERE id = %s", [incident.pk])
            (during,) = cursor.fetchone()
            changed = during[:20] + ("A" if during[20] != "A" else "B") + during[21:]
            cursor.execute(
                "UPDATE incidents_incident SET during = %s WHERE id = %s", [changed, incident.pk]
            )
    before = raw_database("incidents_")
    reporter, handler = Client(), Client()
    reporter.force_login(official)
    login_verified(handler, officer)

    with caplog.at_level(logging.ERROR, logger="portal.crypto"):
        pages = [
            reporter.get(incident.get_absolute_url()),
            handler.get(change_url(incident)),
            reporter.post(
                f"/mina-rapporter/{incident.pk}/komplettera/",
                {"text": "Något nytt.", "submission_token": str(uuid.uuid4())},
            ),
        ]
        if why == "en annan nyckel":
            pages.append(reporter.get(evidence.get_absolute_url()))
    for page in pages:
        assert page.status_code == 503
        assert "Rapporten kan inte läsas just nu" in page.text
        assert "krypteringsnyckeln saknas eller är fel" in page.text
        assert "Traceback" not in page.text
    assert "Krypterade uppgifter kunde inte läsas" in caplog.text
    assert all(text not in caplog.text for text in WRITTEN)
    # Nothing was written while the data could not be read.
    assert raw_database("incidents_") == before
    if why == "en annan nyckel":
        settings.PORTAL_ENCRYPTION_KEYS = right
        incident.refresh_from_db()
        assert incident.during == SECRET
        assert b"".join(reporter.get(evidence.get_absolute_url()).streaming_content) == downloaded


def test_reencrypt_with_a_missing_key_names_what_it_cannot_read_and_changes_nothing(
    reported, settings
):
    before = raw_database()
    files_before = raw_files(settings)
    keys(settings, new_key())
    with pytest.raises(CommandError, match="Ta inte bort någon gammal nyckel") as failed:
        call_command("reencrypt", stdout=io.StringIO(), stderr=(error := io.StringIO()))
    assert failed.value.returncode == 1
    assert "finns inte i nyckelfilen" in error.getvalue()
    assert raw_database() == before
    assert raw_files(settings) == files_before


# A new key


def key_ids_in_database():
    """The key ids of every encrypted value stored, read from the raw rows."""
    ids = set()
    for text in raw_database().split("\n"):
        if (key_id := crypto.text_key_id(text)) is not None:
            ids.add(key_id)
    return ids


def test_a_new_key_in_front_reads_the_old_and_reencrypt_moves_everything_to_it(
    reported, settings, key_a, official, django_capture_on_commit_callbacks
):
    incident, evidence, downloaded = reported
    log = CallLog.start(official, uuid.uuid4())
    log.write(said=CALL_SAID, number_shown=CALL_NUMBER)
    old_name = evidence.file.name
    old_id = crypto.keyring().newest.id
    key_b = new_key()
    keys(settings, key_b, key_a)
    new_id = crypto.keyring().newest.id
    client = Client()
    client.force_login(official)
    assert SECRET in client.get(incident.get_absolute_url()).text  # the old key still reads

    with django_capture_on_commit_callbacks(execute=True):
        call_command("reencrypt", stdout=(out := io.StringIO()))
    report = out.getvalue()
    assert "Krypterar om med den nyaste nyckeln" in report
    assert "incidents_incident: 1 omkrypterade, 0 krypterade från klartext" in report
    assert "incidents_evidence.file (filer): 1 omkrypterade" in report
    assert "incidents_calllog: 1 omkrypterade" in report
    assert "äldre nycklar kan tas bort" in report
    assert key_ids_in_database() == {new_id} != {old_id}
    (stored,) = raw_files(settings).values()
    assert crypto.file_key_id(stored[:HEADER]) == new_id

    keys(settings, key_b)  # the old key taken out
    incident.refresh_from_db()
    assert incident.during == SECRET and incident.supplements.get().text
    log.refresh_from_db()
    assert (log.said, log.number_shown) == (CALL_SAID, CALL_NUMBER)
    evidence.refresh_from_db()
    assert evidence.file.name != old_name  # written anew under a new name
    assert b"".join(client.get(evidence.get_absolute_url()).streaming_content) == downloaded

    call_command("reencrypt", stdout=(again := io.StringIO()))
    assert "Totalt 0 omkrypterade, 0 krypterade från klartext" in again.getvalue()


def test_a_stopped_reencrypt_leaves_no_row_or_file_half_done_and_takes_up_where_it_stopped(
    settings, key_a, official, monkeypatch, django_capture_on_commit_callbacks
):
    from incidents.evidence import PreparedFile

    incidents = [sent_report(official, during=f"{SECRET} ({n})") for n in range(5)]
    for n, incident in enumerate(incidents):
        incident.attach(
            [PreparedFile(f"brev{n}.pdf", "application/pdf", "pdf", b"%%PDF-1.4 %d" % n)]
        )
    key_b = new_key()
    keys(settings, key_b, key_a)
    newest = crypto.keyring().newest.id

    calls = 0
    real = crypto.encrypt_text

    def stops_at_the_seventh(plain):
        nonlocal calls
        calls += 1
        if calls == 7:
            raise KeyboardInterrupt  # the operator's Ctrl-C, in the middle of a row
        return real(plain)

    monkeypatch.setattr("portal.reencryption.encrypt_text", stops_at_the_seventh)
    with pytest.raises(KeyboardInterrupt):
        rewrite_rows(Incident)
    monkeypatch.undo()
    # Each row is under one key: none was written half.
    by_row = {}
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, place, during FROM incidents_incident ORDER BY id")
        for pk, *values in cursor.fetchall():
            by_row[pk] = {crypto.text_key_id(v) for v in values if v}
    assert all(len(ids) == 1 for ids in by_row.values())
    assert 0 < sum(ids == {newest} for ids in by_row.values()) < 5

    # A file write that fails leaves the row naming its whole old file.
    inner = default_storage.inner
    monkeypatch.setattr(inner, "save", lambda *a, **k: (_ for _ in ()).throw(OSError("disk full")))
    with pytest.raises(OSError, match="disk full"):
        call_command("reencrypt", stdout=io.StringIO())
    monkeypatch.undo()
    for incident in incidents:
        (evidence,) = incident.evidence.all()
        with evidence.file.open("rb") as contents:
            assert hashlib.sha256(contents.read()).hexdigest() == evidence.sha256

    with django_capture_on_commit_callbacks(execute=True):
        call_command("reencrypt", stdout=(out := io.StringIO()))
    assert "incidents_incident: " in out.getvalue() and "redan klara" in out.getvalue()
    assert key_ids_in_database() == {newest}
    keys(settings, key_b)
    for n, incident in enumerate(incidents):
        incident.refresh_from_db()
        assert incident.during == f"{SECRET} ({n})"
        assert incident.evidence.get().file.read() == b"%%PDF-1.4 %d" % n
    assert len(raw_files(settings)) == 5  # the old files removed after their rows moved


# The fields


def test_an_empty_text_stays_empty_and_can_be_asked_for(official, key_a):
    incident = sent_report(official, closing_summary="")
    assert Incident.objects.filter(closing_summary="").get() == incident
    assert not Incident.objects.exclude(closing_summary="").exists()


@pytest.mark.parametrize(
    "lookup", [{"place__icontains": "stadshuset"}, {"place": PLACE}, {"during__startswith": "N"}]
)
def test_an_encrypted_field_refuses_a_search_that_would_silently_find_nothing(
    official, key_a, lookup
):
    sent_report(official)
    with pytest.raises(FieldError):
        list(Incident.objects.filter(**lookup))


def test_text_written_before_encryption_is_read_as_it_is_and_reencrypt_encrypts_it(official, key_a):
    incident = sent_report(official)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE incidents_incident SET during = %s, place = %s WHERE id = %s",
            ["Skrivet före krypteringen.", "Torget", incident.pk],
        )
    incident.refresh_from_db()
    assert (incident.during, incident.place) == ("Skrivet före krypteringen.", "Torget")
    counts = rewrite_rows(Incident)
    assert counts.encrypted == 1
    assert "Skrivet före krypteringen." not in raw_database()
    incident.refresh_from_db()
    assert incident.during == "Skrivet före krypteringen."


# The storage, around another storage than the file system


@pytest.fixture
def in_memory(key_a):
    return EncryptedStorage({"BACKEND": "django.core.files.storage.InMemoryStorage"})


@hypothesis_settings(max_examples=25, deadline=None)
@given(
    size=st.sampled_from([0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK])
    | st.integers(0, 4 * CHUNK),
    seeks=st.lists(st.integers(0, 4 * CHUNK + 10), max_size=4),
)
def test_what_the_storage_saves_it_opens_exactly_and_seeks_in(size, seeks):
    storage = EncryptedStorage({"BACKEND": "django.core.files.storage.InMemoryStorage"})
    data = os.urandom(size)
    name = storage.save("evidence/fil.bin", ContentFile(data))
    raw = storage.inner.open(name).read()
    assert len(raw) == HEADER + size + 16 * max(1, -(-size // CHUNK))
    assert storage.size(name) == size
    with storage.open(name) as contents:
        assert contents.read() == data
        for position in seeks:
            contents.seek(position)
            assert contents.read(100) == data[position : position + 100]


def chunks_of(raw):
    step = CHUNK + 16
    return raw[:HEADER], [raw[i : i + step] for i in range(HEADER, len(raw), step)]


@pytest.mark.parametrize(
    "change",
    ["the last chunk dropped", "two chunks swapped", "a byte changed", "the header changed",
     "a chunk added"],
)  # fmt: skip
def test_a_file_changed_in_storage_is_refused(in_memory, change):
    name = in_memory.save("evidence/fil.bin", ContentFile(os.urandom(3 * CHUNK + 5)))
    header, chunks = chunks_of(in_memory.inner.open(name).read())
    if change == "the last chunk dropped":
        chunks = chunks[:-1]
    elif change == "two chunks swapped":
        chunks[0], chunks[1] = chunks[1], chunks[0]
    elif change == "a byte changed":
        chunks[1] = chunks[1][:9] + bytes([chunks[1][9] ^ 1]) + chunks[1][10:]
    elif change == "the header changed":
        header = header[:-1] + bytes([header[-1] ^ 1])
    else:
        chunks.append(chunks[0])
    in_memory.inner.delete(name)
    in_memory.inner.save(name, ContentFile(header + b"".join(chunks)))
    with pytest.raises(Unreadable), in_memory.open(name) as contents:
        contents.read()


def test_a_file_stored_before_encryption_is_read_as_it_is(in_memory):
    name = in_memory.inner.save("evidence/gammal.pdf", ContentFile(b"%PDF-1.4 gammalt brev"))
    assert in_memory.open(name).read() == b"%PDF-1.4 gammalt brev"
    assert in_memory.stored_key_id(name) is None


def test_the_storage_has_no_path_and_no_address(in_memory):
    name = in_memory.save("evidence/fil.pdf", ContentFile(b"%PDF-1.4"))
    with pytest.raises(NotImplementedError):
        in_memory.path(name)
    with pytest.raises(NotImplementedError):
        in_memory.url(name)
    assert in_memory.exists(name)
    in_memory.delete(name)
    assert not in_memory.exists(name)
    assert isinstance(in_memory.inner, InMemoryStorage)


# Upgrading: what was written before encryption


@pytest.mark.django_db(transaction=True)
def test_the_migration_encrypts_what_was_written_before_and_its_way_back_decrypts(settings, key_a):
    before = ("incidents", "0013_reference_prefix")
    after = ("incidents", "0016_encrypted_call_log")
    executor = MigrationExecutor(connection)
    executor.migrate([before])
    try:
        old = executor.loader.project_state([before]).apps
        user = old.get_model("portal", "User").objects.create(
            email="anna@example.se", full_name="Anna Andersson"
        )
        incident = old.get_model("incidents", "Incident").objects.create(
            reporter_id=user.pk, during=SECRET, place=PLACE, contact_how=CONTACT
        )
        letter = b"%PDF-1.4 ett brev skrivet i klartext"
        name = default_storage.inner.save("evidence/brev.pdf", ContentFile(letter))
        old.get_model("incidents", "Evidence").objects.create(
            incident_id=incident.pk, file=name, original_name="brevet.pdf",
            content_type="application/pdf", size=len(letter),
            sha256=hashlib.sha256(letter).hexdigest(),
        )  # fmt: skip
        old.get_model("incidents", "CallLog").objects.create(
            incident_id=incident.pk, said=CALL_SAID, number_shown=CALL_NUMBER
        )
        assert SECRET in raw_database("incidents_") and CALL_SAID in raw_database("incidents_")

        executor = MigrationExecutor(connection)
        executor.migrate([after])
        database = raw_database("incidents_")
        written = [SECRET, PLACE, CONTACT, "brevet.pdf", CALL_SAID, CALL_NUMBER]
        assert all(text not in database for text in written)
        (stored,) = raw_files(settings).values()
        assert stored.startswith(crypto.MAGIC) and b"klartext" not in stored
        encrypted = Incident.objects.get()
        assert (encrypted.during, encrypted.place) == (SECRET, PLACE)
        assert encrypted.evidence.get().file.read() == letter
        call_log = encrypted.call_log
        assert (call_log.said, call_log.number_shown) == (CALL_SAID, CALL_NUMBER)

        executor = MigrationExecutor(connection)
        executor.migrate([before])
        assert SECRET in raw_database("incidents_") and CALL_SAID in raw_database("incidents_")
        assert list(raw_files(settings).values()) == [letter]
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


# In a bucket: the same, with the files in an S3-compatible object store


def test_in_a_bucket_the_objects_hold_no_photo_and_it_comes_back_exactly(
    s3_storage, key_a, official, django_capture_on_commit_callbacks
):
    bucket, client = s3_storage
    browser = Client()
    browser.force_login(official)
    with django_capture_on_commit_callbacks(execute=True):
        browser.post("/rapportera/", {**report_data(), "files": [photo()]})
    evidence = Evidence.objects.get()
    response = browser.get(evidence.get_absolute_url())
    downloaded = b"".join(response.streaming_content)
    assert int(response["Content-Length"]) == len(downloaded) == evidence.size
    assert hashlib.sha256(downloaded).hexdigest() == evidence.sha256

    (stored,) = client.list_objects_v2(Bucket=bucket)["Contents"]
    assert stored["Key"] == evidence.file.name
    raw = client.get_object(Bucket=bucket, Key=stored["Key"])["Body"].read()
    assert raw.startswith(crypto.MAGIC)
    for start in range(0, len(downloaded) - 32, 32):
        assert downloaded[start : start + 32] not in raw
