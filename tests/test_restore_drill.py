"""The restore drill: back up, restore into something empty, and check every file's SHA-256.

Runs scripts/restore_drill.py as an operator would, against a scratch database of its own
(SQLite always; PostgreSQL too when the tests run there) with a few reports and tiny files,
on disk, and in a bucket of the tests' own S3 server.
"""

import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import dj_database_url
import psycopg
import pytest
from django.conf import settings

from portal.crypto import new_key

from .conftest import S3_REGION, s3_client

BASE_DIR = Path(__file__).resolve().parent.parent
DRILL = BASE_DIR / "scripts" / "restore_drill.py"
ON_POSTGRESQL = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")

# Three sent reports and a draft, four tiny files; prints the stored names.
SEED = """
import json
import django
django.setup()
from django.utils import timezone
from incidents import evidence
from incidents.evidence import PreparedFile
from incidents.models import Incident
from portal.models import User

user = User.objects.create_user("anna@example.se", full_name="Anna Andersson")
stored = []
for n in range(1, 5):
    sent = n < 4
    with evidence.atomic():
        incident = Incident.objects.create(
            reporter=user,
            reference=f"HHV-2026-{n:04d}" if sent else None,
            submitted_at=timezone.now() if sent else None,
            during="Någon skrev att de vet var jag bor.",
        )
        data = b"%%PDF-1.4 brev %d" % n
        stored += incident.attach([PreparedFile(f"brev{n}.pdf", "application/pdf", "pdf", data)])
print(json.dumps([e.file.name for e in stored]))
"""


def environment(database_url, media_root, var_dir, bucket=None):
    env = os.environ.copy()
    env.pop("DATABASE_URL_FILE", None)
    env.update(
        DATABASE_URL=database_url,
        PORTAL_MEDIA_ROOT=str(media_root),
        PORTAL_VAR_DIR=str(var_dir),
        DJANGO_DEBUG="1",
        DJANGO_SETTINGS_MODULE="portal.settings",
    )
    if bucket is not None:
        name, endpoint_url = bucket
        env.update(
            PORTAL_S3_BUCKET=name,
            PORTAL_S3_ENDPOINT_URL=endpoint_url,
            PORTAL_S3_REGION=S3_REGION,
            PORTAL_S3_ACCESS_KEY="test",
            PORTAL_S3_SECRET_KEY="test",
        )
    return env


def run(command, env):
    return subprocess.run(
        command, env=env, cwd=BASE_DIR, capture_output=True, text=True, timeout=180, check=False
    )


def server(url, **options):
    """A connection to the maintenance database of the server that URL names."""
    parts = dj_database_url.parse(url)
    return psycopg.connect(
        host=parts["HOST"] or None,
        port=parts["PORT"] or None,
        user=parts["USER"] or None,
        password=parts["PASSWORD"] or None,
        dbname="postgres",
        **options,
    )


def postgresql_database():
    """A new, empty database on the test server, and how to drop it again."""
    url = os.environ["DATABASE_URL"]
    name = f"portal_drill_source_{uuid.uuid4().hex[:8]}"
    with server(url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')

    def drop():
        with server(url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return urlunsplit(urlsplit(url)._replace(path=f"/{name}")), drop


def new_bucket(endpoint_url):
    client = s3_client(endpoint_url)
    name = f"bevis-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": S3_REGION})
    return client, name


@pytest.fixture(
    scope="module", params=["sqlite", "sqlite-s3", *(["postgresql"] if ON_POSTGRESQL else [])]
)
def source(request, tmp_path_factory):
    """A migrated database and evidence store (a media directory, or a bucket) holding a few
    reports with evidence."""
    root = tmp_path_factory.mktemp(request.param)
    if request.param.startswith("sqlite"):
        url, drop = f"sqlite:///{root / 'portal.sqlite3'}", lambda: None
    else:
        url, drop = postgresql_database()
    bucket = None
    if request.param.endswith("s3"):
        endpoint_url = request.getfixturevalue("s3_server")
        bucket = (new_bucket(endpoint_url)[1], endpoint_url)
    media = root / "uploads"
    env = environment(url, media, root / "var", bucket)
    try:
        migrated = run([sys.executable, "manage.py", "migrate", "-v0"], env)
        assert migrated.returncode == 0, migrated.stderr
        result = run([sys.executable, "-c", SEED], env)
        assert result.returncode == 0, result.stderr
        yield {
            "url": url,
            "media": media,
            "bucket": bucket,
            "root": root,
            "names": json.loads(result.stdout),
        }
    finally:
        drop()


def drill(source, media=None, bucket=None, keys=None):
    env = environment(
        source["url"], media or source["media"], source["root"] / "var", bucket or source["bucket"]
    )
    return run([sys.executable, DRILL, *(["--nycklar", keys] if keys else [])], env)


def test_the_drill_restores_into_an_empty_copy_and_every_sha256_matches(source):
    result = drill(source)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "arkiverade: 4 filer" in result.stdout
    if source["bucket"]:
        assert f"Filerna i bucketen {source['bucket'][0]} arkiverade" in result.stdout
        assert not source["media"].exists(), "nothing of the evidence is on the disk"
    else:
        assert f"Filerna i {source['media']} arkiverade" in result.stdout
    assert "4 filer kontrollerade, alla SHA-256 stämmer" in result.stdout
    # four reports, and the names of four files
    assert "8 rader med krypterad text kontrollerade" in result.stdout
    assert f"Nycklarna läses från {source['root'] / 'var' / 'encryption-keys'}" in result.stdout
    if "postgres" in source["url"]:
        assert "pg_dump -Fc" in result.stdout and "borttagen" in result.stdout
        name = dj_database_url.parse(source["url"])["NAME"]
        with server(source["url"]) as connection:
            left = connection.execute(
                "SELECT datname FROM pg_database WHERE datname LIKE %s",
                [f"{name}_restore_drill_%"],
            ).fetchall()
        assert left == [], "the scratch database is dropped after the drill"


def test_the_drill_fails_and_names_a_changed_or_missing_file(source, tmp_path):
    changed, missing = source["names"][0], source["names"][2]
    if source["bucket"]:
        original, endpoint_url = source["bucket"]
        client, tampered = new_bucket(endpoint_url)
        for name in source["names"]:
            data = client.get_object(Bucket=original, Key=name)["Body"].read()
            if name == changed:
                data += b" en rad till"
            if name != missing:
                client.put_object(Bucket=tampered, Key=name, Body=data)
        result = drill(source, bucket=(tampered, endpoint_url))
    else:
        tampered = tmp_path / "uploads"
        shutil.copytree(source["media"], tampered)
        with (tampered / changed).open("ab") as f:
            f.write(b" en rad till")
        (tampered / missing).unlink()
        result = drill(source, media=tampered)

    assert result.returncode != 0
    assert "4 filer kontrollerade, 2 fel" in result.stdout
    # The file is encrypted: a changed byte is found before the contents are hashed.
    assert f"ändrade data): {changed}" in result.stdout
    assert f"saknas: {missing}" in result.stdout
    assert "alla SHA-256 stämmer" not in result.stdout


def test_the_drill_restores_with_the_copy_of_the_keys_from_their_own_backup(source, tmp_path):
    kept_apart = tmp_path / "nyckelkopia"
    shutil.copy(source["root"] / "var" / "encryption-keys", kept_apart)
    result = drill(source, keys=kept_apart)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Nycklarna läses från {kept_apart}" in result.stdout
    assert "4 filer kontrollerade, alla SHA-256 stämmer" in result.stdout


def test_the_drill_with_other_keys_names_every_file_and_text_it_cannot_read(source, tmp_path):
    other = tmp_path / "andra-nycklar"
    other.write_text(new_key() + "\n")
    result = drill(source, keys=other)
    assert result.returncode == 1
    assert "4 filer kontrollerade, 12 fel" in result.stdout
    for name in source["names"]:
        assert f"finns inte i nyckelfilen): {name}" in result.stdout
    assert result.stdout.count("text kan inte läsas: incidents_incident ") == 4
    assert result.stdout.count("text kan inte läsas: incidents_evidence ") == 4
    assert "Traceback" not in result.stdout + result.stderr
