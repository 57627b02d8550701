import os

import pytest
from django.core.cache import caches

from portal.models import User


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "uploads"
    yield
    for cache in caches.all(initialized_only=True):
        cache.clear()


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
def logged_in(client, official):
    client.force_login(official)
    return client


@pytest.fixture
def it_staff(db):
    """Staff, even a superuser, but not in the Säkerhetshandläggare group."""
    return User.objects.create_user(
        "it@example.se", PASSWORD, full_name="Ivar It", is_staff=True, is_superuser=True
    )


def post_after_idle_timeout(client, user, path, data):
    """The official logs in, writes for longer than the idle time-out, then sends."""
    import time
    from unittest import mock

    from django.conf import settings

    client.force_login(user)
    client.get("/mina-sidor/")
    later = time.time() + settings.PORTAL_IDLE_TIMEOUT + 60
    with mock.patch("portal.security.time.time", return_value=later):
        return client.post(path, data)


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
