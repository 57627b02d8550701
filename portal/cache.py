"""The caches in Redis, shared by every server when there is more than one (REDIS_URL).

Django's Redis cache, with two differences that matter here. A Redis that does not answer
is a cache miss, logged, not an error: the guidance is then made from the database as it is
without a cache, and the page someone opens under threat still comes. And clear() empties
this cache's own keys, not the whole Redis database with the other caches' keys in it (the
kept copies of the emergency pages among them).

A cache in a process's memory is emptied by every deploy, which restarts the process; one in
Redis outlives it. So the rendered pages and PDFs are kept under keys of the code that made
them (key_for_this_code): after a deploy, and while two servers run different code during
one, no server serves a page that other code made.
"""

import hashlib
import logging
import re
from functools import cache
from importlib import metadata
from itertools import batched
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


class RedisCache(DjangoRedisCache):
    def _failed(self, error: RedisError) -> None:
        # The error's type only: its text names the server, which the log need not repeat
        # on every request while Redis is down.
        logger.warning("Cachen i Redis svarar inte (%s)", type(error).__name__)

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        try:
            return super().get(key, default, version)
        except RedisError as error:
            self._failed(error)
            return default

    def set(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> None:
        try:
            super().set(key, value, timeout, version)
        except RedisError as error:
            self._failed(error)

    def add(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> bool:
        try:
            return super().add(key, value, timeout, version)
        except RedisError as error:
            self._failed(error)
            return False

    def delete(self, key: Any, version: int | None = None) -> bool:
        try:
            return super().delete(key, version)
        except RedisError as error:
            self._failed(error)
            return False

    def get_many(self, keys: Any, version: int | None = None) -> dict[Any, Any]:
        try:
            return super().get_many(keys, version)
        except RedisError as error:
            self._failed(error)
            return {}

    def set_many(
        self, data: dict[Any, Any], timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> list[Any]:
        try:
            return super().set_many(data, timeout, version)
        except RedisError as error:
            self._failed(error)
            return list(data)  # the keys not set

    def clear(self) -> None:
        """Deletes this cache's keys (those under its KEY_PREFIX) and no others."""
        try:
            client = self._cache.get_client(write=True)
            prefix = re.sub(r"([*?\[\]\\])", r"\\\1", self.key_prefix)
            for batch in batched(client.scan_iter(match=f"{prefix}:*", count=500), 500):
                client.delete(*batch)
        except RedisError as error:
            self._failed(error)

    def check(self) -> None:
        """Raises RedisError unless Redis takes a write and gives it back (for /healthz): a
        Redis that answers but refuses writes (full, or read-only) is down for the portal."""
        key = self.make_and_validate_key("healthz")
        self._cache.set(key, 1, 10)
        if self._cache.get(key, None) != 1:
            raise RedisError("the value written was not read back")


# What a page is made of besides the database: the portal's code, templates, static files and
# translations, and the packages that write its HTML.
SOURCES = [
    "portal", "guidance", "riskassessment", "incidents", "notices", "training", "templates",
    "static", "locale",
]  # fmt: skip
PAGE_PACKAGES = ["django", "markdown", "nh3", "django-bootstrap-static"]


@cache
def code_version() -> str:
    """A fingerprint of the code this process runs, read once (about 20 ms)."""
    digest = hashlib.sha256()
    for package in PAGE_PACKAGES:
        digest.update(f"{package}=={metadata.version(package)}\n".encode())
    base = Path(settings.BASE_DIR)
    for source in SOURCES:
        for path in sorted((base / source).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(base)).encode() + b"\0")
                digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def key_for_this_code(key: str, key_prefix: str, version: int) -> str:
    """A cache key of this deploy's code (KEY_FUNCTION of the caches that hold pages)."""
    return f"{key_prefix}:{code_version()}:{version}:{key}"
