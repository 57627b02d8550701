"""The portal as a region runs it for availability: two gunicorn servers (A and B) in
production mode on one PostgreSQL, one Redis, one bucket (moto's S3 server) and one mail
worker, each server with its own local directory so that nothing can be shared through a
disk. Each test does something on one server and looks for it on the other.

Needs PostgreSQL (DATABASE_URL) and Redis at 127.0.0.1:6379 (its database 7, emptied first);
without them the tests are skipped, which .ci/run (CI_NO_SKIPS=1) counts as a failure."""

import base64
import contextlib
import os
import re
import secrets
import socket
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

import pytest

from ..conftest import report_data
from .support import DatabaseGate, MailServer, Visitor

ROOT = Path(__file__).resolve().parent.parent.parent
PASSWORD = "ett-långt-lösenord-för-två-servrar"
OFFICIALS = 40
TOTP_KEYS = ["3132333435363738393031323334353637383930", "4142434445464748494a4b4c4d4e4f5051525354"]
# A Redis database of their own, emptied first.
REDIS_URL = "redis://127.0.0.1:6379/7"
BUCKET = "bevis-test"
# A PDF passes the upload checks unchanged (an image is cleaned of its metadata), so what
# comes back can be compared with what was sent, byte for byte.
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(url, timeout=60):
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1)  # noqa: S310 - loopback
            return
        except OSError as e:
            if getattr(e, "code", None):  # an HTTP answer: the server is up
                return
            time.sleep(0.2)
    raise TimeoutError(url)


def _needs(condition, why):
    if not condition:
        pytest.skip(why)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    database = os.environ.get("DATABASE_URL", "")
    _needs(database.startswith("postgres"), "needs PostgreSQL (DATABASE_URL) for two servers")
    import redis

    try:
        redis.Redis.from_url(REDIS_URL).flushdb()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"needs Redis at {REDIS_URL}")
    import boto3
    import psycopg
    from moto.server import ThreadedMotoServer

    # PostgreSQL, reached through a gate the tests can shut.
    base, _, name = database.rpartition("/")
    cluster_db = f"{name}_cluster"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{cluster_db}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{cluster_db}"')
    server_address = psycopg.conninfo.conninfo_to_dict(database)
    gate = DatabaseGate(
        server_address.get("host", "127.0.0.1"), int(server_address.get("port", 5432))
    )
    gated = (
        f"postgres://{server_address.get('user', 'postgres')}@127.0.0.1:{gate.port}/{cluster_db}"
    )

    # The bucket.
    s3_port = _free_port()
    s3 = ThreadedMotoServer(ip_address="127.0.0.1", port=s3_port)
    s3.start()
    s3_url = f"http://127.0.0.1:{s3_port}"
    bucket = boto3.client(
        "s3", endpoint_url=s3_url, region_name="eu-north-1",
        aws_access_key_id="test", aws_secret_access_key="test",
    )  # fmt: skip
    bucket.create_bucket(
        Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-north-1"}
    )

    mail = MailServer()
    secrets_dir = tmp_path_factory.mktemp("cluster-secrets")
    # The key for the reports' text and the evidence: one file, given to every server.
    keys = secrets_dir / "nycklar"
    keys.write_text(base64.urlsafe_b64encode(os.urandom(32)).decode() + "\n")
    keys.chmod(0o600)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "PORTAL_", "DATABASE_", "REDIS_", "EMAIL_"))
    }
    env.update(
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        PORTAL_BASE_URL="https://127.0.0.1",
        DJANGO_STATIC_ROOT=str(tmp_path_factory.mktemp("cluster-static")),
        DATABASE_URL=gated,
        REDIS_URL=REDIS_URL,
        PORTAL_S3_BUCKET=BUCKET,
        PORTAL_S3_ENDPOINT_URL=s3_url,
        PORTAL_S3_REGION="eu-north-1",
        PORTAL_S3_ACCESS_KEY="test",
        PORTAL_S3_SECRET_KEY="test",
        PORTAL_TASKS_BACKEND="database",
        PORTAL_ENCRYPTION_KEYS_FILE=str(keys),
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(mail.port),
    )
    manage = [sys.executable, "manage.py"]

    def run(*command, var=None, **kwargs):
        return subprocess.run(
            [*manage, *command], cwd=ROOT, check=True, capture_output=True, text=True,
            env={**env, "PORTAL_VAR_DIR": str(var or tmp_path_factory.mktemp("cluster-admin"))},
            **kwargs,
        )  # fmt: skip

    run("migrate", "--no-input")
    run("collectstatic", "--no-input")
    run("shell", "-c", SETUP.format(officials=OFFICIALS, password=PASSWORD, keys=TOTP_KEYS))

    processes = []
    servers = []
    logs = contextlib.ExitStack()  # each process's stderr, for a person looking into a failure

    def log(path):
        return logs.enter_context(path.open("w"))

    for letter in "AB":
        port = _free_port()
        var = tmp_path_factory.mktemp(f"server-{letter}")
        processes.append(
            subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "portal.wsgi", "--bind", f"127.0.0.1:{port}",
                 "--workers", "2", "--threads", "4", "--timeout", "60"],
                cwd=ROOT, env={**env, "PORTAL_VAR_DIR": str(var)},
                stdout=subprocess.DEVNULL, stderr=log(var / "gunicorn.log"),
            )
        )  # fmt: skip
        servers.append(SimpleNamespace(base=f"http://127.0.0.1:{port}", var=var))
    worker_var = tmp_path_factory.mktemp("worker")
    processes.append(
        subprocess.Popen(
            [*manage, "db_worker", "--interval", "0.2", "--no-startup-delay"],
            cwd=ROOT, env={**env, "PORTAL_VAR_DIR": str(worker_var)},
            stdout=subprocess.DEVNULL, stderr=log(worker_var / "worker.log"),
        )
    )  # fmt: skip
    for server in servers:
        _wait_for(server.base + "/healthz")

    def shell(code):
        done = run("shell", "-c", code)
        return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""

    yield SimpleNamespace(
        a=servers[0],
        b=servers[1],
        gate=gate,
        mail=mail,
        bucket=bucket,
        shell=shell,
    )
    for process in processes:
        process.terminate()
    for process in processes:
        process.wait(timeout=30)
    logs.close()
    s3.stop()
    mail.shutdown()
    gate.close()


SETUP = """
from django.contrib.auth.models import Group
from django_otp.plugins.otp_totp.models import TOTPDevice
from portal.models import SECURITY_OFFICERS, User
for n in range({officials}):
    User.objects.create_user(
        f"politiker{{n}}@kommun.example", {password!r}, full_name=f"Politiker {{n}}")
for n, key in enumerate({keys!r}):
    officer = User.objects.create_user(f"handlaggare{{n}}@region.example", {password!r},
        full_name=f"Handläggare {{n}}", role=User.Role.SAKERHETSHANDLAGGARE, is_staff=True)
    officer.groups.add(Group.objects.get(name=SECURITY_OFFICERS))
    TOTPDevice.objects.create(user=officer, name="app", key=key, confirmed=True)
print("ok")
"""


LAST_REPORT = (
    "from incidents.models import Incident; "
    "print(Incident.objects.order_by('-pk').values_list('pk', flat=True).first() or 0)"
)


def official(server, n):
    visitor = Visitor(server.base)
    visitor.log_in(f"politiker{n}@kommun.example", PASSWORD)
    return visitor


_OFFICERS: dict[int, Visitor] = {}


def officer(server, n):
    """Security officer n, logged in with her second factor once (an authenticator's code is
    good once): the session, in the shared database, is good on either server."""
    from django_otp.oath import TOTP

    if n not in _OFFICERS:
        visitor = Visitor(server.base)
        visitor.log_in(f"handlaggare{n}@region.example", PASSWORD)
        code = f"{TOTP(bytes.fromhex(TOTP_KEYS[n])).token():06d}"
        answer = visitor.post("/konto/tvastegs/?next=/admin/", {"code": code, "next": "/admin/"})
        assert answer.status == 302, answer.text[:3000]
        _OFFICERS[n] = visitor
    return _OFFICERS[n].on(server.base)


def send_report(visitor, files=None, **fields):
    data = report_data(**fields)
    response = visitor.post("/rapportera/", data, files=files)
    return response


def test_a_report_with_evidence_sent_on_one_server_is_downloaded_byte_for_byte_on_the_other(
    cluster,
):
    reporter = official(cluster.a, 0)
    response = send_report(reporter, files={"files": ("skarmdump.pdf", PDF, "application/pdf")})
    assert response.status == 302, response.text[:3000]
    pk = re.search(r"/mina-rapporter/(\d+)/", response.location).group(1)

    handler = officer(cluster.b, 0)
    page = handler.get(f"/admin/incidents/incident/{pk}/change/")
    assert page.status == 200
    link = re.search(rf'href="(/mina-rapporter/{pk}/filer/\d+/)"', page.text).group(1)
    download = handler.get(link)
    assert download.status == 200
    assert download.body == PDF
    # In the bucket, and on neither server's disk.
    assert cluster.bucket.list_objects_v2(Bucket=BUCKET)["KeyCount"] >= 1
    for server in (cluster.a, cluster.b):
        on_disk = [p for p in server.var.rglob("*") if p.is_file() and p.suffix == ".pdf"]
        assert on_disk == []
    # The file is not in the bucket in clear either.
    for obj in cluster.bucket.list_objects_v2(Bucket=BUCKET)["Contents"]:
        stored = cluster.bucket.get_object(Bucket=BUCKET, Key=obj["Key"])["Body"].read()
        assert PDF not in stored


def test_a_guidance_edit_saved_on_one_server_is_on_the_others_page_and_pdf_at_once(cluster):
    import io

    from pypdf import PdfReader

    visitor_b = Visitor(cluster.b.base)
    slug = cluster.shell(
        "from guidance.models import Section; "
        "s = Section.objects.published().filter(phase='under').order_by('order').first(); "
        "print(s.pk, s.slug)"
    )
    pk, slug = slug.split()
    before = visitor_b.get("/under/")  # B has it cached now
    assert before.status == 200
    pdf_before = visitor_b.get("/handlingsplan.pdf")
    assert pdf_before.status == 200

    editor = officer(cluster.a, 1)
    marker = f"Nytt råd {uuid.uuid4().hex[:8]}"
    path = f"/admin/guidance/section/{pk}/change/"
    page = editor.get(path)
    body = re.search(r'<textarea name="body"[^>]*>\n?(.*?)</textarea>', page.text, re.S).group(1)
    import html

    response = editor.post_form(
        path, "section_form", {"body": html.unescape(body) + f"\n\n{marker}.\n"}
    )
    assert response.status == 302, re.findall(
        r'class="errorlist[^"]*"[^>]*>(.*?)</ul>', response.text, re.S
    )

    after = visitor_b.get("/under/")
    assert marker in after.text
    pdf_after = visitor_b.get("/handlingsplan.pdf")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf_after.body)).pages)
    assert marker in " ".join(text.split())


def test_two_officers_sending_the_same_notice_on_two_servers_send_it_once(cluster):
    pk = cluster.shell(
        "from notices.models import Notice; "
        "n = Notice.objects.create(title='Viktigt inför valet', "
        "importance=Notice.Importance.VIKTIG, status=Notice.Status.PUBLICERAD, "
        "body='Läs mer i portalen.'); print(n.pk)"
    )
    path = f"/admin/notices/notice/{pk}/skicka-e-post/"
    first, second = officer(cluster.a, 0), officer(cluster.b, 1)
    before = len(cluster.mail.recipients())
    pages = [first.get(path), second.get(path)]
    assert all(p.status == 200 for p in pages)
    barrier = threading.Barrier(2)

    def press(visitor):
        barrier.wait()
        return visitor.post(path, {})

    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(press, [first, second]))
    assert all(a.status == 302 for a in answers), [a.status for a in answers]
    deadline = time.monotonic() + 60
    while len(cluster.mail.recipients()) - before < OFFICIALS and time.monotonic() < deadline:
        time.sleep(0.5)
    time.sleep(2)  # a second sending, were there one, would have begun by now
    sent = cluster.mail.recipients()[before:]
    officials = [a for a in sent if a.endswith("@kommun.example")]
    assert sorted(officials) == sorted(f"politiker{n}@kommun.example" for n in range(OFFICIALS))


def test_two_hundred_reports_sent_at_once_across_both_servers_all_arrive_with_their_own_reference(
    cluster,
):
    visitors = [official(cluster.a if n % 2 else cluster.b, n) for n in range(OFFICIALS)]
    before = cluster.shell(LAST_REPORT)

    def send(n):
        return send_report(visitors[n % OFFICIALS], place=f"Plats {n}")

    with ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(send, range(200)))
    assert [a.status for a in answers] == [302] * 200
    references = cluster.shell(
        "from incidents.models import Incident; "
        f"r = list(Incident.objects.submitted().filter(pk__gt={before})"
        ".values_list('reference', flat=True)); print(len(r), len(set(r)))"
    )
    assert references == "200 200"


def test_a_database_restart_while_reports_are_sent_loses_no_report_that_was_answered_as_sent(
    cluster,
):
    """The servers reach PostgreSQL through a gate that, shut, drops every connection and
    refuses new ones for five seconds, as a database server restarting does (the suite's own
    PostgreSQL, which other tests use, is not restarted)."""
    visitors = [official(server, n) for n, server in enumerate([cluster.a, cluster.b] * 3)]
    before = cluster.shell(LAST_REPORT)
    answered, errors = [], []
    stop = threading.Event()

    def keep_sending(visitor):
        n = 0
        while not stop.is_set():
            n += 1
            place = f"Under omstart {uuid.uuid4().hex[:10]}"
            try:
                response = send_report(visitor, place=place)
            except OSError as e:  # no answer at all: the test fails on it below
                errors.append(("connection", str(e)))
                continue
            if response.status == 302 and "/kvitto/" in response.location:
                answered.append((time.monotonic(), place))
            else:
                errors.append((response.status, response.text))

    threads = [threading.Thread(target=keep_sending, args=(v,)) for v in visitors]
    for t in threads:
        t.start()
    time.sleep(2)
    cluster.gate.shut()
    health_during = Visitor(cluster.a.base).get("/healthz")
    time.sleep(5)
    cluster.gate.open()
    reopened = time.monotonic()
    time.sleep(3)
    stop.set()
    for t in threads:
        t.join()
    health_after = Visitor(cluster.b.base).get("/healthz")

    assert health_during.status == 503
    assert "database" in health_during.text
    assert health_after.status == 200
    assert answered, "no report was sent before or after the outage"
    assert any(at > reopened for at, _ in answered), "no report was sent after the outage"
    assert errors, "the outage was not noticed"
    for status, text in errors:
        assert status == 500, status
        assert "Något gick fel hos oss" in text and "Försök igen om en stund" in text
        assert "Traceback" not in text
    # The place is encrypted: read back (and decrypted) report by report.
    stored = set(
        cluster.shell(
            "from incidents.models import Incident; "
            f"reports = Incident.objects.submitted().filter(pk__gt={before}); "
            "print('|'.join(report.place for report in reports))"
        ).split("|")
    )
    assert {place for _, place in answered} <= stored
