"""Settings for Personsäkerhetsportalen, read from the environment.

With DJANGO_DEBUG=1 everything works with Python alone: SQLite, uploads and
mail to the console under var/. Without it the portal runs in production mode
and refuses to start until the secrets and hosts it needs are given.
"""

import base64
import binascii
import os
import re
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("PORTAL_VAR_DIR", BASE_DIR / "var"))


def envbool(name, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} ska vara 1 eller 0 (true/false), inte {value!r}.")


def envint(name, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} ska vara ett heltal, inte {value!r}.") from None


def envstr(name, default=None, *, required=False):
    """A string from NAME, or from the file named in NAME_FILE (for secrets)."""
    value = os.environ.get(name)
    path = os.environ.get(f"{name}_FILE")
    if value and path:
        raise ImproperlyConfigured(f"Ange antingen {name} eller {name}_FILE, inte båda.")
    if path:
        try:
            value = Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE: kan inte läsa {path} ({exc}).") from None
    if value:
        return value
    if required:
        raise ImproperlyConfigured(
            f"{name} saknas. I produktion måste den anges (eller {name}_FILE med en sökväg)."
        )
    return default


DEBUG = envbool("DJANGO_DEBUG", False)

if DEBUG:
    SECRET_KEY = envstr("DJANGO_SECRET_KEY", "debug-only-not-secret-" + "x" * 40)
    ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", "testserver"]
else:
    SECRET_KEY = envstr("DJANGO_SECRET_KEY", required=True)
    ALLOWED_HOSTS = [h.strip() for h in envstr("DJANGO_ALLOWED_HOSTS", "").split(",") if h.strip()]
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured(
            "DJANGO_ALLOWED_HOSTS saknas. Ange portalens värdnamn, kommaseparerade "
            "(till exempel personsakerhet.example.se)."
        )

# The portal's address as people reach it: printed under the QR code and in every link
# that leaves the site (PDFs, mails). In production it is required and must be https, so
# that a printed plan never points to a developer's machine.
if DEBUG:
    PORTAL_BASE_URL = envstr("PORTAL_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
    if not PORTAL_BASE_URL.startswith(("http://", "https://")):
        raise ImproperlyConfigured(
            f"PORTAL_BASE_URL ska börja med https:// (eller http://), inte {PORTAL_BASE_URL!r}."
        )
else:
    PORTAL_BASE_URL = envstr("PORTAL_BASE_URL", required=True).rstrip("/")
    if not PORTAL_BASE_URL.startswith("https://") or len(PORTAL_BASE_URL) <= len("https://"):
        raise ImproperlyConfigured(
            "PORTAL_BASE_URL ska vara portalens adress med https://, till exempel "
            f"https://personsakerhet.example.se, inte {PORTAL_BASE_URL!r}."
        )

INSTALLED_APPS = [
    "portal",
    "guidance",
    "riskassessment",
    "incidents",
    "notices",
    "training",
    "portal.admin_site.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "crispy_forms",
    "crispy_bootstrap5",
    "bootstrap",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "portal.headers.BrowserPolicyMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "guidance.middleware.PublicPageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "portal.security.SessionTimeoutMiddleware",
    "portal.security.NoStoreMiddleware",
    "axes.middleware.AxesMiddleware",
    "portal.crypto.UnreadableMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "guidance.context_processors.contacts",
                "portal.organisation.context",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
            ],
        },
    },
]

# SQLite under var/ unless DATABASE_URL names a server. On PostgreSQL
# connections are kept open and checked before use: without that a simple
# page served five times fewer requests per second here.
DATABASES = {
    "default": dj_database_url.parse(
        envstr("DATABASE_URL", f"sqlite:///{VAR_DIR / 'portal.sqlite3'}"),
        conn_max_age=envint("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "portal.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "my_pages"
LOGOUT_REDIRECT_URL = "guidance:home"
PASSWORD_RESET_TIMEOUT = 3 * 24 * 3600
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Sessions: a new key at login (Django's default), idle and absolute time-outs in
# portal.security, shorter for the admin. Deactivating a user ends their sessions:
# an inactive user is never authenticated again.
SESSION_COOKIE_AGE = 12 * 3600
PORTAL_IDLE_TIMEOUT = envint("PORTAL_IDLE_TIMEOUT", 2 * 3600)
PORTAL_ABSOLUTE_TIMEOUT = envint("PORTAL_ABSOLUTE_TIMEOUT", 12 * 3600)
PORTAL_ADMIN_IDLE_TIMEOUT = envint("PORTAL_ADMIN_IDLE_TIMEOUT", 30 * 60)
PORTAL_ADMIN_ABSOLUTE_TIMEOUT = envint("PORTAL_ADMIN_ABSOLUTE_TIMEOUT", 8 * 3600)

# Brute force: five failed logins lock the e-mail address and, separately, the
# visitor's address for 30 minutes, whether or not the account exists.
PORTAL_TRUSTED_PROXIES = envint("PORTAL_TRUSTED_PROXIES", 0 if DEBUG else 1)
AXES_FAILURE_LIMIT = envint("PORTAL_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=envint("PORTAL_LOCKOUT_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_CLIENT_IP_CALLABLE = "portal.security.client_ip"
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "portal.forms.login_username"  # one lock whatever the letters' case
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# Retention (gallring), in days: manage.py gallra deletes what has passed its period.
PORTAL_RETENTION_CLOSED_REPORT_DAYS = envint("PORTAL_RETENTION_CLOSED_REPORT_DAYS", 3 * 365)
PORTAL_RETENTION_DRAFT_DAYS = envint("PORTAL_RETENTION_DRAFT_DAYS", 90)
PORTAL_RETENTION_RISK_ASSESSMENT_DAYS = envint("PORTAL_RETENTION_RISK_ASSESSMENT_DAYS", 365)
PORTAL_RETENTION_ACCESS_LOG_DAYS = envint("PORTAL_RETENTION_ACCESS_LOG_DAYS", 2 * 365)
# Sent mail in the outbox (who got what kind of mail, never its text), and the tasks' records.
PORTAL_RETENTION_MAIL_DAYS = envint("PORTAL_RETENTION_MAIL_DAYS", 30)

# Incident reports: who gets the security officers' mail about reports besides the officers
# themselves (a shared mailbox, say), and how much evidence one sending may carry: the proxy
# in front of the portal must let a sending of that size through.
INCIDENT_NOTIFY_EMAILS = [
    a.strip() for a in envstr("INCIDENT_NOTIFY_EMAILS", "").split(",") if a.strip()
]
if not_addresses := [a for a in INCIDENT_NOTIFY_EMAILS if "@" not in a or " " in a]:
    raise ImproperlyConfigured(
        "INCIDENT_NOTIFY_EMAILS ska vara e-postadresser, kommaseparerade, "
        f"inte {not_addresses[0]!r}."
    )
INCIDENT_MAX_FILE_SIZE = envint("INCIDENT_MAX_FILE_MB", 15) * 1024 * 1024
INCIDENT_MAX_TOTAL_SIZE = envint("INCIDENT_MAX_TOTAL_MB", 50) * 1024 * 1024
INCIDENT_MAX_FILES = envint("INCIDENT_MAX_FILES", 10)

# New officials are reminded of the introduction to personal security if they have not
# taken it this many days after their account was made (then at most once a month).
PORTAL_INTRODUCTION_DAYS = envint("PORTAL_INTRODUCTION_DAYS", 30)

# The organisation the installation serves (portal.organisation): its name, alone and as
# written in running text ("rapportera till regionen", "till kommunen"), the portal's name,
# the prefix of its reference numbers and its logo. IT sets them once at install; the
# defaults are the first organisation's. The security officers' unit is named in the admin.
PORTAL_ORGANISATION_NAME = envstr("PORTAL_ORGANISATION_NAME", "Region Sörmland")
PORTAL_ORGANISATION_IN_TEXT = envstr("PORTAL_ORGANISATION_IN_TEXT", "regionen")
PORTAL_NAME = envstr("PORTAL_NAME", "Personsäkerhetsportalen")
# HHV-2026-0042: each prefix counts from 1 every year. Set it once: references already given
# keep the prefix they were given, and a new prefix starts its own count.
PORTAL_REFERENCE_PREFIX = envstr("PORTAL_REFERENCE_PREFIX", "HHV")
if not re.fullmatch(r"[A-Z]{2,6}", PORTAL_REFERENCE_PREFIX):
    raise ImproperlyConfigured(
        "PORTAL_REFERENCE_PREFIX ska vara 2–6 versaler A–Z, till exempel HHV, "
        f"inte {PORTAL_REFERENCE_PREFIX!r}."
    )
# A PNG or SVG file on the server, served as a static file (never written into a page, so
# the Content-Security-Policy stays strict). None by default.
PORTAL_LOGO = envstr("PORTAL_LOGO", "")
if PORTAL_LOGO:
    _logo = Path(PORTAL_LOGO)
    if _logo.suffix.lower() not in (".png", ".svg") or not _logo.is_file():
        raise ImproperlyConfigured(
            f"PORTAL_LOGO ska vara sökvägen till en PNG- eller SVG-fil, inte {PORTAL_LOGO!r}."
        )
    if _logo.suffix.lower() == ".svg" and re.search(
        rb"<script|javascript:|\son\w+\s*=", _logo.read_bytes(), re.IGNORECASE
    ):
        raise ImproperlyConfigured(
            f"PORTAL_LOGO: {PORTAL_LOGO} innehåller skript. Använd en SVG utan skript eller en PNG."
        )

# Two factors for the admin: TOTP apps, with one-time recovery codes.
OTP_TOTP_ISSUER = f"{PORTAL_NAME} {PORTAL_ORGANISATION_NAME}"

LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", "Svenska")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Stockholm"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# collectstatic's target, served by WhiteNoise in production; in debug mode the
# files are served straight from the apps and static/.
STATIC_ROOT = None if DEBUG else Path(envstr("DJANGO_STATIC_ROOT", str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "portal.organisation.LogoFinder",  # PORTAL_LOGO
]
# Files browsers ask for at the site's root (the tab icon), served by WhiteNoise.
WHITENOISE_ROOT = BASE_DIR / "portal" / "root"
# Uploads are private evidence: they have no public URL and are served only through views
# that check who asks (incidents.evidence). One server keeps them on its disk, outside
# STATIC_ROOT, readable by the portal's user only. With more than one server they are in a
# private bucket of an S3-compatible object store that all servers share (PORTAL_S3_BUCKET
# and the rest); the portal reads each file and streams it, so no address of the bucket is
# ever given to a browser.
MEDIA_ROOT = Path(envstr("PORTAL_MEDIA_ROOT", str(VAR_DIR / "uploads")))
PORTAL_S3_BUCKET = envstr("PORTAL_S3_BUCKET", "")
PORTAL_S3_ENDPOINT_URL = envstr("PORTAL_S3_ENDPOINT_URL")
PORTAL_S3_REGION = envstr("PORTAL_S3_REGION")
if PORTAL_S3_ENDPOINT_URL and not PORTAL_S3_ENDPOINT_URL.startswith(("https://", "http://")):
    raise ImproperlyConfigured(
        "PORTAL_S3_ENDPOINT_URL ska vara objektlagrets adress med https://, "
        f"inte {PORTAL_S3_ENDPOINT_URL!r}."
    )


def s3_storage(bucket, endpoint_url, region, access_key, secret_key):
    """Evidence in a private bucket of an S3-compatible object store (django-storages)."""
    from botocore.config import Config

    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": endpoint_url,
            "region_name": region,
            # Without a key pair boto3 looks for credentials itself (a role given to the server).
            "access_key": access_key,
            "secret_key": secret_key,
            # No ACL is sent: the objects are as private as the bucket, and a bucket whose
            # ACLs are turned off (S3's default since 2023) refuses a request that sends one.
            "default_acl": None,
            # Names are random; a name taken is never written over.
            "file_overwrite": False,
            # A file read for a download stays in memory, not in a temporary file on disk.
            "max_memory_size": INCIDENT_MAX_FILE_SIZE,
            # An object store that doesn't answer is given up on in seconds, not minutes.
            "client_config": Config(
                connect_timeout=5, read_timeout=30, retries={"mode": "standard", "max_attempts": 3}
            ),
        },
    }


if PORTAL_S3_BUCKET:
    _s3_keys = (envstr("PORTAL_S3_ACCESS_KEY"), envstr("PORTAL_S3_SECRET_KEY"))
    if None in _s3_keys and _s3_keys != (None, None):
        raise ImproperlyConfigured(
            "Ange både PORTAL_S3_ACCESS_KEY och PORTAL_S3_SECRET_KEY, eller ingen av dem."
        )
    EVIDENCE_STORAGE = s3_storage(
        PORTAL_S3_BUCKET, PORTAL_S3_ENDPOINT_URL, PORTAL_S3_REGION, *_s3_keys
    )
else:
    EVIDENCE_STORAGE = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"file_permissions_mode": 0o600, "directory_permissions_mode": 0o700},
    }
# The uploads are encrypted by portal.crypto.EncryptedStorage, around the storage that keeps
# them ("inner": the disk or the bucket above, an entry as STORAGES has them), so that the
# disk, a backup of it or the bucket holds only ciphertext.
STORAGES = {
    "default": {
        "BACKEND": "portal.crypto.EncryptedStorage",
        "OPTIONS": {"inner": EVIDENCE_STORAGE},
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}


def encryption_keys_file():
    """The file of the keys that encrypt report text and evidence (portal.crypto). Only a
    file: a variable would be seen by every program the portal starts (pg_dump in the
    restore drill, say). In debug mode without it, a key is made under PORTAL_VAR_DIR the
    first time."""
    named = os.environ.get("PORTAL_ENCRYPTION_KEYS_FILE")
    if named:
        return Path(named).resolve()
    if not DEBUG:
        raise ImproperlyConfigured(
            "PORTAL_ENCRYPTION_KEYS_FILE saknas. I produktion krypteras rapporterna och bevisen "
            "med nycklar i en egen fil, utanför databasen och de uppladdade filerna (se README, "
            "Driftsättning)."
        )
    path = (VAR_DIR / "encryption-keys").resolve()
    if not path.exists():
        _make_key_file(path)
    return path


def encryption_keys(path):
    """The keys, newest first: one a line, 32 random bytes in base64, blank lines and
    # comments left out. The file must lie apart from the database and the uploads, so that
    a copy of them is of no use without it."""
    if path.is_relative_to(MEDIA_ROOT.resolve()):
        raise ImproperlyConfigured(
            f"PORTAL_ENCRYPTION_KEYS_FILE: {path} ligger bland de uppladdade filerna "
            "(PORTAL_MEDIA_ROOT) och skulle komma med i deras säkerhetskopia. Lägg nycklarna "
            "utanför."
        )
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ImproperlyConfigured(
            f"PORTAL_ENCRYPTION_KEYS_FILE: kan inte läsa {path} ({exc})."
        ) from None
    keys = []
    for number, line in enumerate(lines, start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            # URL-safe (as portal.crypto.new_key writes it) or standard base64 (openssl rand).
            key = base64.b64decode(line.replace("-", "+").replace("_", "/"), validate=True)
        except binascii.Error:
            key = b""
        if len(key) != 32:
            raise ImproperlyConfigured(
                f"PORTAL_ENCRYPTION_KEYS_FILE: rad {number} i {path} är inte en nyckel "
                "(32 slumpmässiga byte i base64; README:n visar hur en nyckel görs)."
            )
        keys.append(key)
    if not keys:
        raise ImproperlyConfigured(f"PORTAL_ENCRYPTION_KEYS_FILE: {path} har ingen nyckel.")
    if len(set(keys)) < len(keys):
        raise ImproperlyConfigured(
            f"PORTAL_ENCRYPTION_KEYS_FILE: samma nyckel står två gånger i {path}."
        )
    return keys


def _make_key_file(path):
    """A key file with one new key, readable by its owner only. Made beside and linked into
    place, so that two processes starting at once (runserver and its reloader) read the
    same whole file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    made = path.with_name(f".{path.name}.{os.getpid()}")
    with os.fdopen(os.open(made, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as file:
        file.write(base64.urlsafe_b64encode(os.urandom(32)).decode() + "\n")
    try:
        os.link(made, path)
    except FileExistsError:
        pass
    finally:
        made.unlink()


PORTAL_ENCRYPTION_KEYS_FILE = encryption_keys_file()
PORTAL_ENCRYPTION_KEYS = encryption_keys(PORTAL_ENCRYPTION_KEYS_FILE)

# Mail to the console in debug mode unless a server is named; in production
# an SMTP relay (localhost:25 unless EMAIL_HOST says otherwise).
EMAIL_SERVER = envstr("EMAIL_HOST", "" if DEBUG else "localhost")
if EMAIL_SERVER:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": EMAIL_SERVER,
                "port": envint("EMAIL_PORT", 25),
                "username": envstr("EMAIL_HOST_USER", ""),
                "password": envstr("EMAIL_HOST_PASSWORD", ""),
                "use_tls": envbool("EMAIL_USE_TLS", False),
                "timeout": envint("EMAIL_TIMEOUT", 10),
            },
        }
    }
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "personsakerhet@regionsormland.se")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Work handed off from the request (django.tasks), the mail above all: a mail is queued in the
# outbox (portal.models.OutgoingMail) and a task sends it. "database" keeps the tasks in the
# database for the worker (manage.py db_worker, one on each server, see the README), so that
# no request waits on the mail server; "immediate" runs each task at once in the process that
# asks, which make run and the tests do, with no worker to start.
TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django.tasks.backends.immediate.ImmediateBackend",
}
PORTAL_TASKS_BACKEND = envstr("PORTAL_TASKS_BACKEND", "immediate" if DEBUG else "database")
if PORTAL_TASKS_BACKEND not in TASK_BACKENDS:
    raise ImproperlyConfigured(
        f"PORTAL_TASKS_BACKEND ska vara database eller immediate, inte {PORTAL_TASKS_BACKEND!r}."
    )
TASKS = {"default": {"BACKEND": TASK_BACKENDS[PORTAL_TASKS_BACKEND]}}

# Rendered guidance in each process's memory; the printed plan on disk, shared
# by all workers. Both are keyed by the content's version, so an edit in the
# admin shows at once and an unchanged plan is never rendered twice.
#
# With more than one server, REDIS_URL names the Redis they share (redis://, or rediss://
# with TLS; a password in it makes it a secret, so it may come from REDIS_URL_FILE): each
# cache is there under a prefix of its own, and a copy made by one server is served by all.
REDIS_URL = envstr("REDIS_URL", "")
if REDIS_URL and not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured(
        "REDIS_URL ska börja med redis://, rediss:// eller unix://, till exempel "
        "redis://cache.regionsormland.se:6379/0."
    )


def redis_caches(url, prefix="portal"):
    """The caches in the Redis at url, each under a prefix of its own (portal.cache): when
    Redis doesn't answer within a second or two, a miss rather than an error."""

    def in_redis(prefix, timeout, **options):
        return {
            "BACKEND": "portal.cache.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": prefix,
            "TIMEOUT": timeout,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
            **options,
        }

    # Pages and PDFs under keys of the code that made them, so that no deploy serves what
    # another made; the last good copies outlive a deploy: they are what was last served.
    per_deploy = {"KEY_FUNCTION": "portal.cache.key_for_this_code"}
    return {
        "default": in_redis(prefix, 300, **per_deploy),
        # An edit makes new PDFs under a new key: the old ones go within a month.
        "pdf": in_redis(f"{prefix}-pdf", 30 * 24 * 3600, **per_deploy),
        "kept": in_redis(f"{prefix}-kept", None),
    }


if REDIS_URL:
    CACHES = redis_caches(REDIS_URL)
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "pdf": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": VAR_DIR / "cache" / "pdf",
            "TIMEOUT": None,
            "OPTIONS": {"MAX_ENTRIES": 50},
        },
        # The last good copy of each emergency page and PDF, served while the database is
        # down (guidance.middleware). On disk, so that a restarted process still has it.
        "kept": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": VAR_DIR / "cache" / "kept",
            "TIMEOUT": None,
        },
    }

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Strict Content-Security-Policy on every response: no inline scripts or
# styles anywhere, nothing from other origins.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}
# Permissions-Policy (no camera, microphone, position…) and Cross-Origin-Resource-Policy
# come from portal.headers: Django has no settings for them.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

if not DEBUG:
    # Behind the region's proxy, which terminates TLS and says so in this header.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = envbool("DJANGO_SECURE_SSL_REDIRECT", True)
    # A load balancer asks each server for /healthz directly, often over plain http: it gets
    # the answer, not a redirect. (Its Host header must still be in DJANGO_ALLOWED_HOSTS.)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = envint("DJANGO_HSTS_SECONDS", 365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    CSRF_TRUSTED_ORIGINS = [PORTAL_BASE_URL]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "INFO" if not DEBUG else "WARNING"},
    # Each task's start and end: the worker's journal in production; with DJANGO_DEBUG the
    # tasks run inside the request, and a line per mail would bury runserver's own.
    "loggers": {"django.tasks": {"level": "INFO" if not DEBUG else "WARNING"}},
}
