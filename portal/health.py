"""/healthz: does each part the portal needs answer? For the load balancer and the operator.

The database always; the shared cache (Redis), the evidence bucket and the task queue when
the settings use them. Each check is one small request: no part is read beyond a row or a
key. What failed is named, never why: the reason (a host name, a user) goes to the log only.
"""

import logging
from collections.abc import Callable

from django.apps import apps
from django.conf import settings
from django.core.cache import caches
from django.core.files.storage import Storage, storages
from django.db import connection

from .cache import RedisCache
from .crypto import EncryptedStorage

logger = logging.getLogger(__name__)

# The task queue as django-tasks-db keeps it: a table in the portal's database.
QUEUE_BACKEND = "django_tasks_db."
QUEUE_MODEL = ("django_tasks_database", "DBTaskResult")  # its app label


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _cache() -> None:
    checked = set()
    for alias, options in settings.CACHES.items():
        cache = caches[alias]
        if isinstance(cache, RedisCache) and options["LOCATION"] not in checked:
            cache.check()
            checked.add(options["LOCATION"])


def _evidence_store() -> Storage:
    """Where the evidence is kept: the storage inside the encrypting one (portal.crypto)."""
    storage = storages["default"]
    return storage.inner if isinstance(storage, EncryptedStorage) else storage


def _bucket() -> None:
    """The bucket is there and the portal's key may use it (S3's HeadBucket)."""
    from storages.backends.s3 import S3Storage  # boto3, loaded only where a bucket is used

    storage = _evidence_store()
    assert isinstance(storage, S3Storage)
    storage.connection.meta.client.head_bucket(Bucket=storage.bucket_name)


def _queue() -> None:
    apps.get_model(*QUEUE_MODEL).objects.exists()


def checks() -> dict[str, Callable[[], None]]:
    """The parts this portal's settings use, by the name /healthz gives them."""
    found = {"database": _database}
    if any(isinstance(caches[alias], RedisCache) for alias in settings.CACHES):
        found["cache"] = _cache
    if type(_evidence_store()).__module__ == "storages.backends.s3":
        found["storage"] = _bucket
    if settings.TASKS["default"]["BACKEND"].startswith(QUEUE_BACKEND):
        found["queue"] = _queue
    return found


def report() -> dict[str, str]:
    """Each part's name, and "ok" or "svarar inte"."""
    results = {}
    for name, check in checks().items():
        try:
            check()
        # Whatever a part raises when it is down: each client library has errors of its own.
        except Exception:
            logger.warning("Hälsokontrollen: %s svarar inte", name, exc_info=True)
            results[name] = "svarar inte"
        else:
            results[name] = "ok"
    return results
