"""Moving what is encrypted to the newest key, and encrypting what was written in clear.

Used by `manage.py reencrypt`, after a new key has been put in front in the key file, and by
the migration that encrypted what was reported before encryption. It finds its work in any
model: the fields that are portal.crypto's encrypted fields, and the FileFields whose
storage is an EncryptedStorage. It reads and writes the stored values themselves (the
columns, and the files through the storage the portal is configured with), so that it works
as well on the models of a migration.

Each row is rewritten in a transaction of its own, all its encrypted fields in one UPDATE,
after reading it again under a lock: a row saved meanwhile is already under the newest key.
Each file is written whole under a new name, read back and compared with what it was, and
only then does its row name it, the old file removed after the commit: a stop at any moment
leaves every row naming a whole file (at worst a new file that no row names yet, which is
encrypted). What is already under the newest key is passed over, at the cost of reading its
first bytes: stopped and run again, the work takes up where it stopped. Nothing that can't
be decrypted is written: it is counted, named by its table and id, and left as it was.
"""

from __future__ import annotations

import hashlib
import posixpath
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import IO, Any, cast

from django.db import connections, models, router, transaction

from .crypto import (
    CHUNK,
    EncryptedStorage,
    Unreadable,
    decrypt_text,
    encrypt_text,
    encrypted_fields,
    keyring,
    text_key_id,
)


@dataclass
class Counts:
    moved: int = 0  # from an older key to the newest
    encrypted: int = 0  # from clear (written before encryption) to the newest key
    current: int = 0  # already under the newest key, or empty
    unreadable: list[str] = field(default_factory=list)  # "table id: why", left as they were

    def add(self, other: Counts) -> None:
        self.moved += other.moved
        self.encrypted += other.encrypted
        self.current += other.current
        self.unreadable += other.unreadable


def encrypted_file_fields(model: type[models.Model]) -> list[models.FileField]:
    return [
        f
        for f in model._meta.concrete_fields
        if isinstance(f, models.FileField) and isinstance(f.storage, EncryptedStorage)
    ]


class _Table:
    """A model's table, read and written as stored, without the fields' conversions."""

    def __init__(self, model: type[models.Model], fields: list[models.Field]) -> None:
        self.alias = router.db_for_write(model)
        connection = connections[self.alias]
        quote = connection.ops.quote_name
        self.name = model._meta.db_table
        assert model._meta.pk is not None and model._meta.pk.column is not None
        self.table, self.pk = quote(self.name), quote(model._meta.pk.column)
        self.columns = [quote(cast(str, f.column)) for f in fields]  # concrete: it has one
        self.lock = " FOR UPDATE" if connection.features.has_select_for_update else ""

    def batches(self, size: int, after: int = 0) -> Iterable[list[tuple[Any, ...]]]:
        select = ", ".join([self.pk, *self.columns])
        while True:
            with connections[self.alias].cursor() as cursor:
                cursor.execute(
                    f"SELECT {select} FROM {self.table} WHERE {self.pk} > %s "  # noqa: S608
                    f"ORDER BY {self.pk} LIMIT %s",
                    [after, size],
                )
                rows = cursor.fetchall()
            if not rows:
                return
            yield rows
            after = rows[-1][0]

    def locked(self, pk: Any) -> tuple[Any, ...] | None:
        with connections[self.alias].cursor() as cursor:
            cursor.execute(
                f"SELECT {', '.join(self.columns)} FROM {self.table} "  # noqa: S608
                f"WHERE {self.pk} = %s{self.lock}",
                [pk],
            )
            return cursor.fetchone()

    def update(self, pk: Any, values: list[Any], *, where: list[Any] | None = None) -> int:
        assignments = ", ".join(f"{column} = %s" for column in self.columns)
        condition = "".join(f" AND {column} = %s" for column in self.columns) if where else ""
        with connections[self.alias].cursor() as cursor:
            cursor.execute(
                f"UPDATE {self.table} SET {assignments} "  # noqa: S608
                f"WHERE {self.pk} = %s{condition}",
                [*values, pk, *(where or [])],
            )
            return cursor.rowcount


def _text_state(stored: str | None, target: bytes | None) -> str:
    """'current' (empty, or as wanted), 'clear' or 'old'. target: the key id wanted, None
    for clear."""
    if not stored:
        return "current"
    key_id = text_key_id(stored)
    if key_id == target:
        return "current"
    return "clear" if key_id is None else "old"


def rewrite_rows(
    model: type[models.Model],
    *,
    to_clear: bool = False,
    batch: int = 500,
    progress: Callable[[str], None] | None = None,
) -> Counts:
    """Every encrypted field of every row under the newest key (to_clear: decrypted, which
    only the migration's way back asks for)."""
    counts = Counts()
    fields = encrypted_fields(model)
    if not fields:
        return counts
    table = _Table(model, fields)
    target = None if to_clear else keyring().newest.id
    for rows in table.batches(batch):
        for pk, *stored in rows:
            if all(_text_state(value, target) == "current" for value in stored):
                counts.current += 1
                continue
            with transaction.atomic(using=table.alias):
                values = table.locked(pk)
                if values is None:
                    continue  # deleted meanwhile
                states = [_text_state(value, target) for value in values]
                if all(state == "current" for state in states):
                    counts.current += 1  # saved meanwhile
                    continue
                try:
                    table.update(pk, [
                        value if state == "current" or value is None
                        else decrypt_text(value) if to_clear
                        else encrypt_text(decrypt_text(value))
                        for value, state in zip(values, states, strict=True)
                    ])  # fmt: skip
                except Unreadable as exc:
                    counts.unreadable.append(f"{table.name} {pk}: {exc}")
                    continue
            if "old" in states:
                counts.moved += 1
            else:
                counts.encrypted += 1
        if progress:
            progress(f"{table.name}: till och med id {rows[-1][0]}")
    return counts


def check_rows(model: type[models.Model], *, batch: int = 1000) -> tuple[int, list[str]]:
    """Whether the keys open every encrypted text of the model's rows (the restore drill
    asks): the number of rows read, and the rows that could not be. Nothing is written."""
    fields = encrypted_fields(model)
    if not fields:
        return 0, []
    table = _Table(model, fields)
    read, unreadable = 0, []
    for rows in table.batches(batch):
        for pk, *stored in rows:
            read += 1
            try:
                for value in stored:
                    if value:
                        decrypt_text(value)
            except Unreadable as exc:
                unreadable.append(f"{table.name} {pk}: {exc}")
    return read, unreadable


def _digest(file: IO[bytes]) -> bytes:
    digest = hashlib.sha256()
    with file:
        for piece in iter(lambda: file.read(CHUNK), b""):
            digest.update(piece)
    return digest.digest()


def rewrite_files(
    model: type[models.Model],
    file_field: models.FileField,
    *,
    to_clear: bool = False,
    batch: int = 100,
    progress: Callable[[str], None] | None = None,
) -> Counts:
    """Every file the field names, under the newest key (to_clear: stored in clear, for the
    migration's way back), each under a new name that its row is then given."""
    counts = Counts()
    storage = file_field.storage
    assert isinstance(storage, EncryptedStorage)
    # Written in clear through the storage inside, otherwise through the encrypting one.
    target = storage.inner if to_clear else storage
    wanted = None if to_clear else keyring().newest.id
    table = _Table(model, [file_field])
    for rows in table.batches(batch):
        for pk, name in rows:
            if not name:
                continue
            try:
                key_id = storage.stored_key_id(name)
            except FileNotFoundError:
                counts.unreadable.append(f"{table.name} {pk}: filen {name} saknas")
                continue
            if key_id == wanted:
                counts.current += 1
                continue
            stem, extension = posixpath.splitext(name)
            new = f"{posixpath.dirname(stem)}/{secrets.token_hex(16)}{extension}".lstrip("/")
            try:
                before = _digest(storage.open(name))
                with storage.open(name) as contents:
                    new = target.save(new, contents)
            except Unreadable as exc:
                counts.unreadable.append(f"{table.name} {pk}: {name}: {exc}")
                continue
            if _digest(storage.open(new)) != before:
                target.delete(new)
                counts.unreadable.append(f"{table.name} {pk}: {name} skrevs inte likadant")
                continue
            with transaction.atomic(using=table.alias):
                if table.update(pk, [new], where=[name]) == 1:
                    transaction.on_commit(partial(storage.delete, name), using=table.alias)
                else:
                    target.delete(new)  # the row was changed or deleted meanwhile
                    continue
            if key_id is None:
                counts.encrypted += 1
            else:
                counts.moved += 1
        if progress:
            progress(f"{table.name}.{file_field.column}: till och med id {rows[-1][0]}")
    return counts


def rewrite(
    models_: Iterable[type[models.Model]],
    *,
    to_clear: bool = False,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Counts]:
    """Rows and files of these models, counted by table (and column, for files)."""
    counts: dict[str, Counts] = {}
    for model in models_:
        if model._meta.proxy or not model._meta.managed:
            continue
        if encrypted_fields(model):
            counts[model._meta.db_table] = rewrite_rows(model, to_clear=to_clear, progress=progress)
        for file_field in encrypted_file_fields(model):
            label = f"{model._meta.db_table}.{file_field.column} (filer)"
            counts[label] = rewrite_files(model, file_field, to_clear=to_clear, progress=progress)
    return counts
