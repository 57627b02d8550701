"""Encryption at rest: what is reported is never written in clear.

A copy of the database or of the uploaded files (a lost backup, a dump on a laptop, a
bucket left open) must not tell what an official reported. So the free text of reports and
the contents of evidence files are encrypted before they are written, with AES-256-GCM from
the `cryptography` library, under keys that live in a file of their own
(PORTAL_ENCRYPTION_KEYS_FILE), never in the database, the uploads or the repository.

The keys: one a line, the newest first. The newest encrypts; each of them decrypts what it
encrypted, so a new key is put in front and `manage.py reencrypt` moves everything to it
before an old key is taken out. Each key has an id (four bytes derived from it) written with
what it encrypted, so that the right key is found at once and a missing one can be named.
From each key, HKDF derives one key for text and one from which every file's own key is
derived: the same secret is never used by two constructions.

Text (EncryptedTextField, EncryptedCharField): "enc1:<key id>:<nonce, ciphertext and tag
in URL-safe base64>", about 4/3 of the text and 50 characters more. An empty text stays
empty (that a field is empty says no more than its length would). A value without the
prefix was written before encryption: it is read as it is until the migration or
`manage.py reencrypt` has encrypted it.

Files (EncryptedStorage, around whichever storage keeps the uploads): a header of 24 bytes
(MAGIC, the key id, and a random salt from which HKDF derives the file's own key), then the
contents in chunks of 64 KiB, each sealed with AES-GCM. A chunk's nonce is its number and
whether it is the last, and the header is authenticated with every chunk: a chunk changed,
moved, dropped or added, and a file cut short, are all refused. In chunks a file is written
and served in constant memory, a download starts at once, and costs 16 bytes in 64 KiB.
A file that does not begin with MAGIC was stored before encryption and is read as it is:
every format the portal accepts begins with bytes of its own (incidents.evidence.ALLOWED).
"""

from __future__ import annotations

import base64
import binascii
import functools
import io
import logging
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.core.files import File
from django.core.files.storage import Storage
from django.core.signals import setting_changed
from django.db import models
from django.db.models.lookups import Exact
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils.deconstruct import deconstructible
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

TEXT_PREFIX = "enc1:"
KEY_ID = 4  # bytes; 8 hexadecimal digits in text
NONCE = 12
MAGIC = b"PSE1"
SALT = 16
HEADER = len(MAGIC) + KEY_ID + SALT
CHUNK = 64 * 1024
TAG = 16
SEALED_CHUNK = CHUNK + TAG
# A file being encrypted waits in memory up to this size, and on disk (encrypted) beyond it.
SPOOL = 1024 * 1024


class Unreadable(Exception):  # noqa: N818 (what the reader meets, not a fault in the code)
    """Something encrypted that the keys at hand cannot open: its key is missing from the key
    file, the key file is another one, or the stored bytes have been changed. The message
    names the key id and the reason, never the contents."""


def new_key() -> str:
    """A new key, as a line of the key file: 32 random bytes in URL-safe base64."""
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def _derive(secret: bytes, purpose: bytes, length: int, salt: bytes | None = None) -> bytes:
    hkdf = HKDF(hashes.SHA256(), length=length, salt=salt, info=b"personsakerhet " + purpose)
    return hkdf.derive(secret)


@dataclass(frozen=True)
class Key:
    id: bytes
    text: AESGCM
    files: bytes  # from which each file's own key is derived, with the file's salt

    @classmethod
    def from_secret(cls, secret: bytes) -> Key:
        return cls(
            id=_derive(secret, b"key id", KEY_ID),
            text=AESGCM(_derive(secret, b"text", 32)),
            files=_derive(secret, b"files", 32),
        )

    def file_cipher(self, salt: bytes) -> AESGCM:
        return AESGCM(_derive(self.files, b"file", 32, salt))


class Keyring:
    """The keys of the key file: the newest encrypts, any of them decrypts."""

    def __init__(self, secrets: Iterable[bytes]) -> None:
        keys = [Key.from_secret(secret) for secret in secrets]
        if not keys:
            raise ImproperlyConfigured("Det finns ingen krypteringsnyckel.")
        self.newest = keys[0]
        self.by_id = {key.id: key for key in keys}
        if len(self.by_id) != len(keys):
            raise ImproperlyConfigured("Samma krypteringsnyckel står två gånger i nyckelfilen.")

    def get(self, key_id: bytes) -> Key:
        try:
            return self.by_id[key_id]
        except KeyError:
            raise Unreadable(f"nyckeln {key_id.hex()} finns inte i nyckelfilen") from None


@functools.cache
def keyring() -> Keyring:
    """The keys of settings.PORTAL_ENCRYPTION_KEYS, read once (the settings read the file)."""
    return Keyring(settings.PORTAL_ENCRYPTION_KEYS)


@receiver(setting_changed)
def _keys_changed(*, setting: str, **kwargs: Any) -> None:
    if setting == "PORTAL_ENCRYPTION_KEYS":
        keyring.cache_clear()


# Text


def encrypt_text(plain: str) -> str:
    if plain == "":
        return ""
    key = keyring().newest
    header = f"{TEXT_PREFIX}{key.id.hex()}:"
    nonce = os.urandom(NONCE)
    sealed = key.text.encrypt(nonce, plain.encode(), header.encode())
    return header + base64.urlsafe_b64encode(nonce + sealed).decode()


def text_key_id(stored: str) -> bytes | None:
    """The id of the key a stored text was encrypted with; None for a text in clear."""
    start, end = len(TEXT_PREFIX), len(TEXT_PREFIX) + 2 * KEY_ID
    if not stored.startswith(TEXT_PREFIX) or stored[end : end + 1] != ":":
        return None
    try:
        return bytes.fromhex(stored[start:end])
    except ValueError:
        return None


def decrypt_text(stored: str) -> str:
    key_id = text_key_id(stored)
    if key_id is None:
        return stored  # written before encryption
    key = keyring().get(key_id)
    split = len(TEXT_PREFIX) + 2 * KEY_ID + 1
    header, body = stored[:split], stored[split:]
    try:
        data = base64.urlsafe_b64decode(body)
        return key.text.decrypt(data[:NONCE], data[NONCE:], header.encode()).decode()
    except (InvalidTag, ValueError, binascii.Error):
        raise Unreadable(f"en text krypterad med nyckeln {key_id.hex()} går inte att öppna: "
                         "fel nyckel eller ändrade data") from None  # fmt: skip


class _EmptyOrNot(Exact):
    """An encrypted field can be asked whether it is empty, and nothing else."""

    def get_prep_lookup(self) -> Any:
        if self.rhs != "":
            raise FieldError(
                f"{self.lhs.target.name} är krypterat: det går bara att fråga om det är tomt."
            )
        return super().get_prep_lookup()


class _Encrypted:
    """What the encrypted fields share: encrypted when saved, decrypted when read, stored as
    text whatever the length of what was written (the ciphertext is longer), and never
    searched, filtered or ordered by in the database, which holds only ciphertext."""

    def get_internal_type(self) -> str:
        return "TextField"

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        return None if value is None else decrypt_text(value)

    def get_db_prep_save(self, value: Any, connection: Any) -> Any:
        value = super().get_db_prep_save(value, connection)  # type: ignore[misc]
        return None if value is None else encrypt_text(value)

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name == "exact":
            return _EmptyOrNot
        if lookup_name == "isnull":
            return super().get_lookup(lookup_name)  # type: ignore[misc]
        return None

    def get_transform(self, lookup_name: str) -> Any:
        return None


class EncryptedTextField(_Encrypted, models.TextField):
    """A TextField whose contents are stored encrypted (see the module's docstring)."""


class EncryptedCharField(_Encrypted, models.CharField):
    """A CharField (one line in forms, max_length of the text written) stored encrypted, in a
    text column."""


def encrypted_fields(model: type[models.Model]) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields if isinstance(f, _Encrypted)]


# Files


def _nonce(index: int, last: bool) -> bytes:
    return index.to_bytes(NONCE - 1, "big") + (b"\x01" if last else b"\x00")


def seal(pieces: Iterable[bytes], key: Key) -> Iterator[bytes]:
    """The encrypted file, in pieces, for the contents given in pieces of any size."""
    salt = os.urandom(SALT)
    header = MAGIC + key.id + salt
    cipher = key.file_cipher(salt)
    yield header
    buffer = bytearray()
    index = 0
    for piece in pieces:
        buffer += piece
        # A full chunk is sealed as soon as more follows it, so the last is known to be last.
        while len(buffer) > CHUNK:
            yield cipher.encrypt(_nonce(index, False), bytes(buffer[:CHUNK]), header)
            del buffer[:CHUNK]
            index += 1
    yield cipher.encrypt(_nonce(index, True), bytes(buffer), header)


def _read_exactly(file: IO[bytes], size: int) -> bytes:
    out = bytearray()
    while len(out) < size:
        piece = file.read(size - len(out))
        if not piece:
            break
        out += piece
    return bytes(out)


def file_key_id(header: bytes) -> bytes | None:
    """The id of the key a stored file was encrypted with, from its first bytes; None for a
    file stored in clear."""
    if len(header) < HEADER or not header.startswith(MAGIC):
        return None
    return header[len(MAGIC) : len(MAGIC) + KEY_ID]


class _Decrypting(io.RawIOBase):
    """The contents of an encrypted file, read and sought as if it were the file itself: a
    chunk is decrypted when it is read, and only the chunk being read is held."""

    def __init__(self, stored: IO[bytes], header: bytes, stored_size: int, key: Key) -> None:
        super().__init__()
        self._stored = stored
        self._header = header
        self._cipher = key.file_cipher(header[-SALT:])
        body = stored_size - HEADER
        self._chunks = max(1, -(-body // SEALED_CHUNK))
        last = body - (self._chunks - 1) * SEALED_CHUNK - TAG
        if last < 0 or (last == 0 and self._chunks > 1):
            raise Unreadable(f"en fil krypterad med nyckeln {key.id.hex()} är avkortad")
        self.size = (self._chunks - 1) * CHUNK + last
        self._position = 0
        self._current: tuple[int, bytes] | None = None
        self._chunk(0)  # a wrong key or a changed file is found before anything is sent

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        start = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self.size}[whence]
        if start + offset < 0:
            raise ValueError("negative position")
        self._position = start + offset
        return self._position

    def readinto(self, buffer: Any) -> int:
        if self._position >= self.size:
            return 0
        index, offset = divmod(self._position, CHUNK)
        chunk = self._chunk(index)
        n = min(len(buffer), len(chunk) - offset)
        buffer[:n] = chunk[offset : offset + n]
        self._position += n
        return n

    def _chunk(self, index: int) -> bytes:
        if self._current is not None and self._current[0] == index:
            return self._current[1]
        self._stored.seek(HEADER + index * SEALED_CHUNK)
        sealed = _read_exactly(self._stored, SEALED_CHUNK)
        try:
            plain = self._cipher.decrypt(
                _nonce(index, index == self._chunks - 1), sealed, self._header
            )
        except InvalidTag:
            key_id = self._header[len(MAGIC) : len(MAGIC) + KEY_ID].hex()
            raise Unreadable(
                f"en fil krypterad med nyckeln {key_id} går inte att öppna: fel nyckel eller "
                "ändrade data"
            ) from None
        self._current = (index, plain)
        return plain

    def close(self) -> None:
        if not self.closed:
            self._stored.close()
        super().close()


@deconstructible(path="portal.crypto.EncryptedStorage")
class EncryptedStorage(Storage):
    """The uploads' storage, around the storage the files are kept in (OPTIONS "inner", as an
    entry of STORAGES: the file system, or a bucket): what it saves is encrypted, what it
    opens is decrypted, and it gives no URL and no path, so that nothing reads the stored
    bytes but through it. size() is the size of the contents."""

    def __init__(self, inner: dict[str, Any] | None = None) -> None:
        inner = inner or {"BACKEND": "django.core.files.storage.FileSystemStorage"}
        self.inner: Storage = import_string(inner["BACKEND"])(**inner.get("OPTIONS", {}))

    def _save(self, name: str, content: File) -> str:
        with tempfile.SpooledTemporaryFile(max_size=SPOOL) as sealed:
            for piece in seal(content.chunks(CHUNK), keyring().newest):
                sealed.write(piece)
            sealed.seek(0)
            return self.inner.save(name, File(sealed, name=name))

    def _open(self, name: str, mode: str = "rb") -> File:
        if any(letter in mode for letter in "wa+"):
            raise ValueError("En krypterad fil skrivs bara genom save().")
        stored = self.inner.open(name, "rb")
        try:
            header = _read_exactly(stored, HEADER)
            key_id = file_key_id(header)
            if key_id is None:
                stored.seek(0)
                return stored  # stored before encryption
            stored.seek(0, io.SEEK_END)
            contents = _Decrypting(stored, header, stored.tell(), keyring().get(key_id))
        except BaseException:
            stored.close()
            raise
        return File(io.BufferedReader(contents, CHUNK), name=name)

    def stored_key_id(self, name: str) -> bytes | None:
        """The id of the key the file is encrypted with, None if it is stored in clear."""
        with self.inner.open(name, "rb") as stored:
            return file_key_id(_read_exactly(stored, HEADER))

    def size(self, name: str) -> int:
        with self.open(name) as contents:
            contents.seek(0, io.SEEK_END)
            return contents.tell()

    def delete(self, name: str) -> None:
        self.inner.delete(name)

    def exists(self, name: str) -> bool:
        return self.inner.exists(name)

    def listdir(self, path: str) -> tuple[list[str], list[str]]:
        return self.inner.listdir(path)

    def get_valid_name(self, name: str) -> str:
        return self.inner.get_valid_name(name)

    def get_available_name(self, name: str, max_length: int | None = None) -> str:
        return self.inner.get_available_name(name, max_length=max_length)

    def generate_filename(self, filename: str | os.PathLike[str]) -> str:
        return self.inner.generate_filename(filename)

    def get_accessed_time(self, name: str) -> Any:
        return self.inner.get_accessed_time(name)

    def get_created_time(self, name: str) -> Any:
        return self.inner.get_created_time(name)

    def get_modified_time(self, name: str) -> Any:
        return self.inner.get_modified_time(name)


# When the keys can't open what is asked for


class UnreadableMiddleware:
    """Encrypted data the keys can't open gives a page that says so, with status 503, rather
    than a server error: the keys are the operators' to put right, and nothing is lost (what
    could not be read is not written). The log names the key and the reason, never the
    contents."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, Unreadable):
            return None
        logger.error("Krypterade uppgifter kunde inte läsas (%s): %s", request.path, exception)
        return render(request, "unreadable.html", status=503)
