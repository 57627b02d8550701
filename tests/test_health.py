"""/healthz: 200 when every part the portal uses answers, 503 naming the part that doesn't;
never a secret, a login or a cached answer."""

from unittest import mock

import pytest
from django.db import DatabaseError, OperationalError

from portal.crypto import new_key
from portal.settings import redis_caches, s3_storage

from .conftest import S3_REGION, encrypted, free_port
from .test_settings import PRODUCTION, manage

pytestmark = pytest.mark.django_db


def health_of(client):
    response = client.get("/healthz")
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    return response.status_code, response.json()


def test_with_the_embedded_defaults_only_the_database_is_checked(client):
    assert health_of(client) == (200, {"status": "ok", "checks": {"database": "ok"}})


def test_with_redis_and_a_bucket_every_part_is_checked_and_answers(
    client, redis_caches, s3_storage
):
    status, answer = health_of(client)
    assert status == 200
    assert answer == {
        "status": "ok",
        "checks": {"database": "ok", "cache": "ok", "storage": "ok"},
    }


def test_the_database_down_is_named(client):
    with mock.patch("portal.health.connection.cursor", side_effect=OperationalError("nere")):
        status, answer = health_of(client)
    assert status == 503
    assert answer == {"status": "fel", "checks": {"database": "svarar inte"}}


def test_redis_down_is_named_and_nothing_of_its_address_is_told(client, settings):
    port = free_port()
    settings.CACHES = redis_caches(f"redis://:hemligt-losenord@127.0.0.1:{port}/0", "nere")
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "fel",
        "checks": {"database": "ok", "cache": "svarar inte"},
    }
    assert "hemligt" not in response.text and str(port) not in response.text


def test_the_guidance_is_served_while_redis_is_down_and_healthz_says_so(client, settings):
    settings.CACHES = redis_caches(f"redis://127.0.0.1:{free_port()}/0", "nere")
    assert client.get("/under/").status_code == 200
    assert client.get("/healthz").status_code == 503


def test_the_object_store_down_is_named(client, settings):
    port = free_port()
    settings.STORAGES = {
        **settings.STORAGES,
        "default": encrypted(
            s3_storage("bevis", f"http://127.0.0.1:{port}", S3_REGION, "nyckel", "hemlig")
        ),
    }
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "storage": "svarar inte"}
    assert "hemlig" not in response.text and str(port) not in response.text


def test_a_bucket_that_is_not_there_is_named(client, settings, s3_server):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": encrypted(s3_storage("finns-inte", s3_server, S3_REGION, "test", "test")),
    }
    status, answer = health_of(client)
    assert status == 503 and answer["checks"]["storage"] == "svarar inte"


def test_the_task_queue_in_the_database_is_checked_when_it_is_used(client, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    assert health_of(client) == (
        200,
        {"status": "ok", "checks": {"database": "ok", "queue": "ok"}},
    )


def test_a_task_queue_that_cannot_be_read_is_named(client, settings, monkeypatch):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

    def missing_table(self):
        raise DatabaseError('relation "django_tasks_database_dbtaskresult" does not exist')

    monkeypatch.setattr(type(DBTaskResult.objects.all()), "exists", missing_table)
    status, answer = health_of(client)
    assert status == 503 and answer["checks"]["queue"] == "svarar inte"
    assert answer["checks"]["database"] == "ok"


def test_healthz_needs_no_login_and_answers_a_logged_in_user_alike(client, official):
    assert client.get("/healthz").status_code == 200
    client.force_login(official)
    assert client.get("/healthz").status_code == 200


def test_in_production_healthz_answers_plain_http_where_pages_are_redirected(tmp_path):
    """A load balancer asks each server over http, with the portal's name as Host."""
    code = (
        "from django.test import Client; c = Client(HTTP_HOST='personsakerhet.example.se');"
        "print('svar', c.get('/healthz').status_code, c.get('/under/').status_code)"
    )
    # A database not migrated: no task queue to check (the queue's own test is above).
    keys = tmp_path / "nycklar"
    keys.write_text(new_key() + "\n")
    env = {
        **PRODUCTION, "PORTAL_VAR_DIR": str(tmp_path), "PORTAL_ENCRYPTION_KEYS_FILE": str(keys),
        "PORTAL_TASKS_BACKEND": "immediate",
    }  # fmt: skip
    result = manage("shell", "-c", code, env=env)
    assert result.returncode == 0, result.stderr
    assert "svar 200 301" in result.stdout
