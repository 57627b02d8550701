"""The settings fail loudly and clearly on a bad environment, and production is strict."""

import ast
import base64
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from portal import settings as portal_settings
from portal.crypto import new_key

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DJANGO_SECRET_KEY": "k" * 20 + "production-secret-for-the-test-only-0123456789",
    "DJANGO_ALLOWED_HOSTS": "personsakerhet.example.se",
    "PORTAL_BASE_URL": "https://personsakerhet.example.se",
}


@pytest.fixture(autouse=True, scope="module")
def _production_key_file(tmp_path_factory):
    """Production's key file, made for the tests: never one in the repository."""
    path = tmp_path_factory.mktemp("nycklar") / "nycklar"
    path.write_text(new_key() + "\n")
    PRODUCTION["PORTAL_ENCRYPTION_KEYS_FILE"] = str(path)
    yield
    del PRODUCTION["PORTAL_ENCRYPTION_KEYS_FILE"]


def manage(*args, env):
    prefixes = ("DJANGO_", "PORTAL_", "DATABASE_", "EMAIL_", "REDIS_")
    base = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    "name",
    ["DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "PORTAL_BASE_URL", "PORTAL_ENCRYPTION_KEYS_FILE"],
)
def test_production_refuses_to_start_without_a_required_setting(name):
    env = {**PRODUCTION}
    del env[name]
    result = manage("check", env=env)
    assert result.returncode != 0
    assert f"{name} saknas" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("address", ["http://personsakerhet.example.se", "https://", "127.0.0.1"])
def test_production_refuses_an_address_that_is_not_https(address):
    """A printed plan's QR code must never lead to a developer's machine or to plain http."""
    result = manage("check", env={**PRODUCTION, "PORTAL_BASE_URL": address})
    assert result.returncode != 0
    assert "PORTAL_BASE_URL ska vara portalens adress med https://" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_bad_boolean_is_named_in_the_error():
    result = manage("check", env={"DJANGO_DEBUG": "kanske"})
    assert result.returncode != 0
    assert "DJANGO_DEBUG ska vara 1 eller 0" in result.stderr
    assert "Traceback" not in result.stderr


def test_production_settings_pass_the_deploy_check():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_debug_mode_runs_on_sqlite_with_mail_to_the_console(tmp_path):
    code = (
        "from django.conf import settings as s;"
        "print(s.DATABASES['default']['ENGINE']);print(s.MAILERS['default']['BACKEND']);"
        "print(s.MEDIA_ROOT)"
    )
    result = manage("shell", "-c", code, env={"DJANGO_DEBUG": "1", "PORTAL_VAR_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    engine, mail, media = result.stdout.split()[-3:]
    assert engine == "django.db.backends.sqlite3"
    assert mail == "django.core.mail.backends.console.EmailBackend"
    assert media.startswith(str(tmp_path))


def test_a_fresh_checkout_migrates_in_debug_mode_with_nothing_set_up(tmp_path):
    var = tmp_path / "ny" / "var"
    result = manage("migrate", "--no-input", env={"DJANGO_DEBUG": "1", "PORTAL_VAR_DIR": str(var)})
    assert result.returncode == 0, result.stderr
    assert (var / "portal.sqlite3").exists()
    # and a key of its own, readable by its owner only, kept for the next start
    keys = var / "encryption-keys"
    assert keys.stat().st_mode & 0o777 == 0o600
    made = keys.read_text()
    again = manage("check", env={"DJANGO_DEBUG": "1", "PORTAL_VAR_DIR": str(var)})
    assert again.returncode == 0, again.stderr
    assert keys.read_text() == made


@pytest.mark.parametrize(
    ("content", "error"),
    [
        ("# bara en kommentar\n\n", "har ingen nyckel"),
        ("{key}\nhemligt-men-kort\n", "rad 2 i {path} är inte en nyckel"),
        ("{key}\n{key}\n", "samma nyckel står två gånger i {path}"),
    ],
)
def test_a_key_file_that_is_not_keys_is_a_clear_error(tmp_path, content, error):
    path = tmp_path / "nycklar"
    path.write_text(content.format(key=new_key()))
    result = manage("check", env={**PRODUCTION, "PORTAL_ENCRYPTION_KEYS_FILE": str(path)})
    assert result.returncode != 0
    assert error.format(path=path) in result.stderr
    assert "Traceback" not in result.stderr


def test_a_key_file_among_the_uploads_is_refused(tmp_path):
    """It would be in the uploads' backup, beside what it encrypts."""
    media = tmp_path / "uploads"
    (media / "privat").mkdir(parents=True)
    path = media / "privat" / "nycklar"
    path.write_text(new_key())
    env = {**PRODUCTION, "PORTAL_ENCRYPTION_KEYS_FILE": str(path), "PORTAL_MEDIA_ROOT": str(media)}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "ligger bland de uppladdade filerna" in result.stderr
    assert "Traceback" not in result.stderr


def test_keys_are_read_in_standard_or_url_safe_base64_with_comments(tmp_path):
    key = new_key()  # URL-safe, as the README's command writes it
    standard = base64.b64encode(base64.urlsafe_b64decode(new_key())).decode()
    path = tmp_path / "nycklar"
    path.write_text(f"# ny 2026-11-29\n{key}\n\n# gammal\n{standard}\n")
    code = "from django.conf import settings as s; print(len(s.PORTAL_ENCRYPTION_KEYS))"
    env = {**PRODUCTION, "PORTAL_ENCRYPTION_KEYS_FILE": str(path)}
    result = manage("shell", "-c", code, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-1] == "2"


def test_secret_can_come_from_a_file(monkeypatch, tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("från-en-fil\n")
    monkeypatch.delenv("DJANGO_SECRET_KEY", raising=False)
    monkeypatch.setenv("DJANGO_SECRET_KEY_FILE", str(secret))
    assert portal_settings.envstr("DJANGO_SECRET_KEY", required=True) == "från-en-fil"


def test_an_unreadable_secret_file_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("DJANGO_SECRET_KEY_FILE", str(tmp_path / "finns-inte"))
    with pytest.raises(ImproperlyConfigured, match="kan inte läsa"):
        portal_settings.envstr("DJANGO_SECRET_KEY", required=True)


@pytest.mark.parametrize("value", ["tio", "1.5", "ja tack"])
def test_a_bad_integer_is_refused(monkeypatch, value):
    monkeypatch.setenv("EMAIL_PORT", value)
    with pytest.raises(ImproperlyConfigured, match="EMAIL_PORT ska vara ett heltal"):
        portal_settings.envint("EMAIL_PORT", 25)


@pytest.mark.parametrize(("value", "expected"), [("1", True), ("true", True), ("0", False)])
def test_booleans_are_read(monkeypatch, value, expected):
    monkeypatch.setenv("DJANGO_DEBUG", value)
    assert portal_settings.envbool("DJANGO_DEBUG", False) is expected


def test_swedish_by_default(settings):
    assert settings.LANGUAGE_CODE == "sv"
    assert settings.TIME_ZONE == "Europe/Stockholm"


def test_production_sends_hsts_for_a_year_and_secure_cookies():
    code = (
        "from django.conf import settings as s;"
        "print(s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE,"
        " s.SECURE_SSL_REDIRECT, s.SECURE_PROXY_SSL_HEADER[0])"
    )
    result = manage("shell", "-c", code, env=PRODUCTION)
    assert result.returncode == 0, result.stderr
    hsts, session, csrf, redirect, header = result.stdout.split()[-5:]
    assert int(hsts) >= 365 * 24 * 3600
    assert (session, csrf, redirect) == ("True", "True", "True")
    assert header == "HTTP_X_FORWARDED_PROTO"


APPS = ["portal", "guidance", "riskassessment", "incidents", "notices", "training"]
ENV_READERS = {"envbool", "envint", "envstr"}


def environment_variables_read_by_the_settings():
    names = set()
    for node in ast.walk(ast.parse((ROOT / "portal" / "settings.py").read_text())):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func, first = node.func, node.args[0]
        reads = (isinstance(func, ast.Name) and func.id in ENV_READERS) or (
            ast.unparse(func) in ("os.environ.get", "os.getenv")
        )
        if reads and isinstance(first, ast.Constant) and isinstance(first.value, str):
            names.add(first.value)
    return names


def environment_variables_in_the_readme():
    """The names in the first column of the README's table of environment variables."""
    text = (ROOT / "README.md").read_text()
    table = text[text.index("| variabel | betydelse |") :].split("\n\n")[0]
    return {
        name
        for row in table.splitlines()[2:]
        for name in re.findall(r"`([A-Z][A-Z0-9_]*)`", row.split("|")[1])
    }


def test_every_environment_variable_the_settings_read_is_in_the_readme():
    """Whoever deploys the portal learns every variable from the README's table."""
    read = environment_variables_read_by_the_settings()
    assert {"DJANGO_SECRET_KEY", "INCIDENT_NOTIFY_EMAILS", "PORTAL_VAR_DIR"} <= read
    assert read - environment_variables_in_the_readme() == set()


def test_the_readme_names_no_environment_variable_the_settings_do_not_read():
    assert (
        environment_variables_in_the_readme() - environment_variables_read_by_the_settings()
        == set()
    )


def settings_read_by_the_apps():
    """NAME for every settings.NAME and getattr(settings, "NAME"...) in the apps' code."""
    names = {}
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if path.name == "settings.py" or "migrations" in path.parts:
                continue
            text = path.read_text()
            found = re.findall(r"\bsettings\.([A-Z][A-Z0-9_]*)", text)
            found += re.findall(r"getattr\(\s*settings\s*,\s*[\"']([A-Z][A-Z0-9_]*)", text)
            for name in found:
                names.setdefault(name, path.relative_to(ROOT))
    return names


def test_every_setting_the_apps_read_is_declared(settings):
    names = settings_read_by_the_apps()
    assert {"PORTAL_BASE_URL", "INCIDENT_NOTIFY_EMAILS", "INCIDENT_MAX_FILES"} <= names.keys()
    missing = {name: str(path) for name, path in names.items() if not hasattr(settings, name)}
    assert missing == {}


def test_no_app_reads_a_setting_with_a_fallback_of_its_own():
    """A default lives in portal/settings.py, where it can be seen and changed, not in a getattr."""
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            assert "getattr(settings" not in path.read_text(), path


def test_extra_recipients_of_the_officers_mail_are_read_from_the_environment():
    env = {"DJANGO_DEBUG": "1", "INCIDENT_NOTIFY_EMAILS": " sakerhet@example.se, ,vakt@example.se"}
    code = "from django.conf import settings as s; print(s.INCIDENT_NOTIFY_EMAILS)"
    result = manage("shell", "-c", code, env=env)
    assert result.returncode == 0, result.stderr
    assert "['sakerhet@example.se', 'vakt@example.se']" in result.stdout


def test_a_recipient_that_is_not_an_address_is_named_in_the_error():
    result = manage("check", env={"DJANGO_DEBUG": "1", "INCIDENT_NOTIFY_EMAILS": "sakerhet"})
    assert result.returncode != 0
    assert "INCIDENT_NOTIFY_EMAILS ska vara e-postadresser" in result.stderr
    assert "'sakerhet'" in result.stderr
    assert "Traceback" not in result.stderr


CACHES_IN_USE = (
    "from django.conf import settings as s;"
    "[print('cache', a, c['BACKEND'], c.get('KEY_PREFIX', '-'), c.get('LOCATION', '-'))"
    " for a, c in s.CACHES.items()]"
)


def caches_in_use(env):
    result = manage("shell", "-c", CACHES_IN_USE, env=env)
    assert result.returncode == 0, result.stderr
    return [line.split()[1:] for line in result.stdout.splitlines() if line.startswith("cache ")]


def test_one_server_keeps_its_caches_in_memory_and_on_disk():
    backends = {alias: backend for alias, backend, *_ in caches_in_use({"DJANGO_DEBUG": "1"})}
    assert backends == {
        "default": "django.core.cache.backends.locmem.LocMemCache",
        "pdf": "django.core.cache.backends.filebased.FileBasedCache",
        "kept": "django.core.cache.backends.filebased.FileBasedCache",
    }


def test_with_redis_url_every_cache_is_in_redis_under_a_prefix_of_its_own(tmp_path):
    secret = tmp_path / "redis-url"
    secret.write_text("redis://:hemligt@cache.example.se:6379/2\n")
    env = {"DJANGO_DEBUG": "1", "REDIS_URL_FILE": str(secret)}
    rows = caches_in_use(env)
    assert {backend for _, backend, _, _ in rows} == {"portal.cache.RedisCache"}
    assert {location for *_, location in rows} == {"redis://:hemligt@cache.example.se:6379/2"}
    assert sorted(prefix for _, _, prefix, _ in rows) == ["portal", "portal-kept", "portal-pdf"]


def test_a_redis_url_that_is_not_one_is_named_in_the_error():
    result = manage("check", env={"DJANGO_DEBUG": "1", "REDIS_URL": "cache.example.se:6379"})
    assert result.returncode != 0
    assert "REDIS_URL ska börja med redis://" in result.stderr
    assert "Traceback" not in result.stderr


# The evidence's storage: the encrypting one (portal.crypto), and the one inside it.
STORAGE_IN_USE = (
    "from django.core.files.storage import storages; e = storages['default']; s = e.inner;"
    "print('storage', type(e).__name__, type(s).__name__, getattr(s, 'bucket_name', '-'),"
    " getattr(s, 'default_acl', '-'), getattr(s, 'secret_key', '-'))"
)


def storage_in_use(env):
    result = manage("shell", "-c", STORAGE_IN_USE, env=env)
    assert result.returncode == 0, result.stderr
    return next(line.split()[1:] for line in result.stdout.splitlines() if line[:8] == "storage ")


def test_one_server_keeps_the_evidence_on_its_disk():
    assert storage_in_use({"DJANGO_DEBUG": "1"})[:2] == ["EncryptedStorage", "FileSystemStorage"]


def test_with_a_bucket_the_evidence_is_in_object_storage_with_the_key_from_a_file(tmp_path):
    secret = tmp_path / "s3-secret"
    secret.write_text("hemlig-nyckel\n")
    env = {
        "DJANGO_DEBUG": "1",
        "PORTAL_S3_BUCKET": "personsakerhet-bevis",
        "PORTAL_S3_ENDPOINT_URL": "https://s3.example.se",
        "PORTAL_S3_REGION": "eu-north-1",
        "PORTAL_S3_ACCESS_KEY": "portalen",
        "PORTAL_S3_SECRET_KEY_FILE": str(secret),
    }
    in_use = ["EncryptedStorage", "S3Storage", "personsakerhet-bevis", "None", "hemlig-nyckel"]
    assert storage_in_use(env) == in_use


def test_half_a_key_pair_for_the_bucket_is_refused():
    env = {"DJANGO_DEBUG": "1", "PORTAL_S3_BUCKET": "bevis", "PORTAL_S3_ACCESS_KEY": "portalen"}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "Ange både PORTAL_S3_ACCESS_KEY och PORTAL_S3_SECRET_KEY" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_object_store_address_without_https_is_named_in_the_error():
    env = {"DJANGO_DEBUG": "1", "PORTAL_S3_BUCKET": "bevis", "PORTAL_S3_ENDPOINT_URL": "s3.se"}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "PORTAL_S3_ENDPOINT_URL ska vara objektlagrets adress" in result.stderr
