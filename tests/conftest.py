import io
import json
import logging
import os
import socket
import threading
import time
import uuid
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.cache import caches
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.mail.backends.locmem import EmailBackend
from django.db import connections, transaction
from django.utils import timezone
from PIL import Image

from incidents.models import Incident
from portal.crypto import decrypt_text
from portal.models import User


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "uploads"
    yield
    for cache in caches.all(initialized_only=True):
        cache.clear()


# The Redis that runs beside the tests, as on the machines that run them (.ci/run).
REDIS_FOR_TESTS = "redis://127.0.0.1:6379/0"


@pytest.fixture
def redis_caches(settings):
    """The portal's caches in Redis, as REDIS_URL sets them up, under prefixes of this test's
    own that are removed afterwards: the Redis may be shared with others. Returns a client."""
    import redis

    from portal.settings import redis_caches as caches_in

    client = redis.Redis.from_url(REDIS_FOR_TESTS, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError as error:
        pytest.skip(f"Redis svarar inte på {REDIS_FOR_TESTS} ({type(error).__name__})")
    prefix = f"test-{uuid.uuid4().hex[:12]}"
    settings.CACHES = caches_in(REDIS_FOR_TESTS, prefix)
    yield client
    for key in client.scan_iter(match=f"{prefix}*"):
        client.delete(key)
    client.close()


def free_port():
    """A port nothing listens on at the moment (and so a server that is down, if nothing is
    started on it)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


S3_REGION = "eu-north-1"


@pytest.fixture(scope="session")
def s3_server():
    """An S3-compatible server of the tests' own (moto's), in this process, on 127.0.0.1."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # not a line for every request
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


def s3_client(endpoint_url):
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=endpoint_url,
        region_name=S3_REGION,
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


def encrypted(inner):
    """An entry of STORAGES as the settings make the evidence's: encrypted around inner."""
    return {"BACKEND": "portal.crypto.EncryptedStorage", "OPTIONS": {"inner": inner}}


@pytest.fixture
def s3_storage(settings, s3_server):
    """The evidence in a new, empty bucket of the tests' S3 server, set up as PORTAL_S3_*
    sets it up: encrypted (portal.crypto.EncryptedStorage) around the bucket, as in the
    settings. Returns the bucket's name and a client of its own, which sees what is stored."""
    from portal.settings import s3_storage as storage_in

    bucket = f"bevis-{uuid.uuid4().hex[:12]}"
    client = s3_client(s3_server)
    client.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": S3_REGION})
    settings.PORTAL_S3_BUCKET = bucket
    settings.STORAGES = {
        **settings.STORAGES,
        "default": encrypted(storage_in(bucket, s3_server, S3_REGION, "test", "test")),
    }
    yield bucket, client
    for item in client.list_objects_v2(Bucket=bucket).get("Contents", []):
        client.delete_object(Bucket=bucket, Key=item["Key"])
    client.delete_bucket(Bucket=bucket)


@pytest.fixture(params=["disk", "s3"])
def each_storage(request):
    """Runs a test twice: with the evidence on disk (one server) and in a bucket (more)."""
    if request.param == "s3":
        request.getfixturevalue("s3_storage")
    return request.param


def another_server(settings):
    """What a second server has of the caches: connections of its own, nothing in memory."""
    settings.CACHES = {**settings.CACHES}


@pytest.fixture(autouse=True)
def _within_one_swedish_day():
    """Tests compare the dates they work out ("tomorrow", "this year") with those the portal
    works out a moment later. So that no test runs across midnight, or across New Year,
    none starts in the last minute of a day in Sweden: it waits for the next day."""
    now = timezone.localtime()
    midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    if (left := (midnight - now).total_seconds()) < 60:
        time.sleep(left + 0.5)


@pytest.fixture(autouse=True)
def _pdf_cache_in_memory(settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "pdf": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "pdf"},
        "kept": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "kept"},
    }


PASSWORD = "ett-långt-lösenord-för-test"


def login_verified(client, user):
    """Logs a staff user in with a confirmed second factor, as the admin requires."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device, _ = TOTPDevice.objects.get_or_create(user=user, name="test", confirmed=True)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def official(db):
    return User.objects.create_user(
        "anna@example.se", PASSWORD, full_name="Anna Andersson", phone="070-111 11 11"
    )


@pytest.fixture
def other_official(db):
    return User.objects.create_user("bertil@example.se", PASSWORD, full_name="Bertil Berg")


@pytest.fixture
def officer(db):
    return make_officer("sara@example.se", "Sara Säkerhet")


def make_officer(email, full_name):
    """A security officer: staff, in the group the migration made, not a superuser."""
    return User.objects.create_user(
        email, PASSWORD, full_name=full_name, role=User.Role.SAKERHETSHANDLAGGARE
    )


@pytest.fixture
def as_migrated():
    """The group Säkerhetshandläggare and its permissions, which the migrations made and a
    transactional test (transaction=True) before this one may have emptied away."""
    from importlib import import_module

    from django.apps import apps

    for migration in [
        "portal.migrations.0002_security_officers_group",
        "portal.migrations.0005_security_officers_see_the_outbox",
        "incidents.migrations.0006_security_officers_permissions",
        "notices.migrations.0002_security_officers_permissions",
    ]:
        import_module(migration).grant(apps, None)


@pytest.fixture
def logged_in(client, official):
    client.force_login(official)
    return client


@pytest.fixture
def it_staff(db):
    """Staff, even a superuser, but not in the Säkerhetshandläggare group."""
    return User.objects.create_user(
        "it@example.se", PASSWORD, full_name="Ivar It", is_staff=True, is_superuser=True
    )


def kept_values(client, kept):
    """What a page keeps through the login (a portal.security.KeptThroughLogin) as the
    session holds it, decrypted."""
    return json.loads(decrypt_text(client.session[kept.session_key]["data"]))["values"]


def post_after_idle_timeout(client, user, path, data, **extra):
    """The official logs in, writes for longer than the idle time-out, then sends (extra:
    as for client.post, headers=... say)."""
    import time
    from unittest import mock

    client.force_login(user)
    client.get("/mina-sidor/")
    later = time.time() + settings.PORTAL_IDLE_TIMEOUT + 60
    with mock.patch("portal.security.time.time", return_value=later):
        return client.post(path, data, **extra)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """With CI_NO_SKIPS=1 (as .ci/run sets it) a skipped test fails: CI installs everything,
    so a skip there means something the suite should have tested was not."""
    report = yield
    if report.skipped and os.environ.get("CI_NO_SKIPS") == "1" and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped, which CI does not allow: {reason}"
    return report


# Reports: what an official wrote, and the factories the test modules share

# What must stay behind the login: a test looks for it where it may be and where it may not.
SECRET = "Någon skrev att de vet var jag bor och att jag ska akta mig."
PLACE = "Utanför stadshuset, efter fullmäktige"


def report_data(token=None, **overrides):
    """The report form as the browser sends it, filled in and ready to send."""
    data = {
        "submission_token": str(token or uuid.uuid4()),
        "kinds": ["hot", "hat"],
        "channel": "sociala_medier",
        "timing": "har_hant",
        "occurred_on": "2026-03-14",
        "occurred_time": "21:15",
        "place": "Facebook, min offentliga sida",
        "before": "Jag hade skrivit om budgeten för vården.",
        "during": SECRET,
        "actions": "Jag tog skärmdumpar och blockerade kontot.",
        "perpetrator_known": "nej",
        "perpetrator_description": "Kontot heter Sanningen123.",
        "witnesses": "",
        "police_report": "nej",
        "police_report_number": "",
        "consequences": ["oro", "avstatt_mote"],
        "may_contact": "True",
        "contact_how": "Ring mobilen efter klockan 17.",
        "action": "skicka",
    }
    data.update(overrides)
    return data


def sent_report(reporter, submitted_at=None, **fields):
    """A report sent as the portal sends it, with its reference and status Ny; its mails wait
    for a commit the test does not make. submitted_at moves it to the time the test needs,
    and a status is set after sending, as an officer would."""
    fields = {"kinds": ["hot"], "channel": "telefon", "during": SECRET, "place": PLACE, **fields}
    status = fields.pop("status", None)
    incident = Incident.objects.create(reporter=reporter, **fields)
    with transaction.atomic():
        incident.submit()
    afterwards = {"submitted_at": submitted_at, "status": status}
    if afterwards := {name: value for name, value in afterwards.items() if value is not None}:
        # Counted in the statistics, as the verbs count their changes.
        reports = Incident.objects.filter(pk=incident.pk)
        with reports.recounted():
            reports.update(**afterwards)
    incident.refresh_from_db()
    return incident


def png_upload(name="skarmdump.png", size=(20, 10)):
    buffer = io.BytesIO()
    Image.new("RGB", size, "blue").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def stored_files():
    """The names of the evidence files in the storage, on disk or in a bucket."""
    try:
        return sorted(f"evidence/{name}" for name in default_storage.listdir("evidence")[1])
    except FileNotFoundError:
        return []


# The report's page in the admin


def change_url(incident):
    return f"/admin/incidents/incident/{incident.pk}/change/"


def form_data(response, **changes):
    """The admin's change form as the browser would send it back, with some fields changed."""
    form = response.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if hasattr(value, "pk"):
            value = value.pk
        data[name] = "" if value is None else value
        if field.show_hidden_initial:
            data[f"initial-{name}"] = data[name]
    for formset in response.context["inline_admin_formsets"]:
        fs = formset.formset
        for key, value in fs.management_form.initial.items():
            data[f"{fs.prefix}-{key}"] = value
    data.update(changes)
    return data


# Mail servers that fail, for MAILERS in a test: one refuses Bertil's address, one is down.


class RefusesBertil(EmailBackend):
    def send_messages(self, messages):
        if any(m.to == ["bertil@example.se"] for m in messages):
            raise ConnectionRefusedError("e-postservern svarar inte")
        return super().send_messages(messages)


class ServerDown(EmailBackend):
    def open(self):
        raise ConnectionRefusedError("e-postservern svarar inte")


# Two at once (PostgreSQL: SQLite serialises all writers, so there is no race to test)


def in_threads(count, work):
    """work(i) for i in range(count), each in a thread of its own with its own connection to
    the database, all started at the same instant. Returns the results and the errors."""
    barrier = threading.Barrier(count)
    results, errors = [None] * count, []

    def run(i):
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as error:  # noqa: BLE001 - reported by the test
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors
