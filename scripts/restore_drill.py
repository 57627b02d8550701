"""Återläsningsövning: take a backup, restore it somewhere empty, and prove the evidence is whole.

    .venv/bin/python scripts/restore_drill.py [--nycklar FIL]

1. Backs up what the portal's settings point at, the same way as the real backup should:
   the database (PostgreSQL: pg_dump -Fc; SQLite: the sqlite3 backup API) and the evidence
   store (every file in it, read through the portal's storage: MEDIA_ROOT on a disk, or the
   bucket with PORTAL_S3_BUCKET), as a tar archive, into a temporary directory readable by
   the owner only.
2. Restores both into places that are new and empty: a scratch database
   (PostgreSQL: <name>_restore_drill_<pid>, created with createdb and filled with pg_restore;
   SQLite: a new file) and a new media directory (on disk, whichever store the files came
   from). The files are archived as they are stored, encrypted: read through the storage
   inside the portal's encrypting one (portal.crypto.EncryptedStorage.inner), never
   decrypted on their way into the backup.
3. Against the restored copy only, with the key file (the portal's own, or with --nycklar
   the copy kept in the keys' own backup, which proves that copy), checks every evidence
   row: the file is there, it decrypts, and the SHA-256 of its contents is the one recorded
   when it was received. Every encrypted text in the restored database is decrypted too.

Prints what it did and "N filer kontrollerade, alla SHA-256 stämmer", or each missing,
unreadable or changed file and each row whose text could not be decrypted; exits 0 only
when every file is there and whole and every text can be read. The scratch database and
the temporary copies are removed at the end, also when something fails. The live database
and files are only read.

The copies hold the same personal data as the portal: TMPDIR must be on a disk as well
protected as the live data. The database is dumped before the files are archived, so a file
deleted in between (gallring, a deleted draft) shows as missing: don't run it during gallra.
"""

import hashlib
import os
import posixpath
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
VERIFY = "--verify-restored"  # how the drill runs itself against the restored copy
KEYS = "--nycklar"


class DrillFailed(Exception):
    pass


def main(argv):
    sys.stdout.reconfigure(line_buffering=True)  # in order with the child's output
    sys.path.insert(0, str(BASE_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    if argv == [VERIFY]:
        return verify_restored()
    keys = None
    if len(argv) == 2 and argv[0] == KEYS:
        keys = Path(argv[1]).resolve()
        if not keys.is_file():
            print(f"ÖVNINGEN MISSLYCKADES: nyckelfilen {keys} finns inte", file=sys.stderr)
            return 2
    elif argv:
        print(__doc__)
        return 2
    try:
        return drill(keys)
    except DrillFailed as failure:
        print(f"ÖVNINGEN MISSLYCKADES: {failure}", file=sys.stderr)
        return 2


def drill(keys):
    from django.conf import settings
    from django.core.files.storage import storages

    from portal.settings import envstr

    database = settings.DATABASES["default"]
    # The files as they are stored (encrypted), not as the portal reads them: a backup of
    # the disk or the bucket holds ciphertext, and so must the drill's.
    store = storages["default"].inner
    if settings.PORTAL_S3_BUCKET:
        where = f"bucketen {settings.PORTAL_S3_BUCKET}"
    else:
        where = str(settings.MEDIA_ROOT)
    keys = keys or settings.PORTAL_ENCRYPTION_KEYS_FILE
    on_postgresql = database["ENGINE"].endswith("postgresql")
    with tempfile.TemporaryDirectory(prefix="restore-drill-") as tmp:
        tmp = Path(tmp)
        backup, restored_media = tmp / "backup", tmp / "restored-media"
        backup.mkdir(mode=0o700)
        restored_media.mkdir(mode=0o700)

        # 1. Backup
        if on_postgresql:
            dump = backup / "portal.dump"
            run(["pg_dump", "-Fc", "--file", dump, database["NAME"]], pg_env(database))
            print(f"Databasen {database['NAME']} dumpad med pg_dump -Fc ({size(dump)}).")
        else:
            dump = backup / "portal.sqlite3"
            sqlite_copy(Path(database["NAME"]), dump, read_only=True)
            print(f"Databasen {database['NAME']} kopierad med SQLite backup-API ({size(dump)}).")
        archive = backup / "media.tar.gz"
        archive_files(store, archive)

        # 2. Restore into what is new and empty
        with tarfile.open(archive) as tar:
            files = sum(1 for member in tar.getmembers() if member.isfile())
            tar.extractall(restored_media, filter="data")
        print(f"Filerna i {where} arkiverade: {files} filer ({size(archive)}).")
        if on_postgresql:
            scratch = f"{database['NAME'][:40]}_restore_drill_{os.getpid()}"
            run(["createdb", "--template=template0", scratch], pg_env(database))
            try:
                run(
                    ["pg_restore", "--exit-on-error", "--no-owner", "--dbname", scratch, dump],
                    pg_env(database),
                )
                url = urlunsplit(urlsplit(envstr("DATABASE_URL"))._replace(path=f"/{scratch}"))
                print(f"Återläst i en ny databas, {scratch}, och en ny filkatalog.")
                return verify_in_child(url, restored_media, keys, tmp)
            finally:
                run(["dropdb", "--if-exists", "--force", scratch], pg_env(database))
                print(f"Övningsdatabasen {scratch} borttagen.")
        else:
            restored = tmp / "restored.sqlite3"
            sqlite_copy(dump, restored)
            print("Återläst i en ny SQLite-fil och en ny filkatalog.")
            return verify_in_child(f"sqlite:///{restored}", restored_media, keys, tmp)


def archive_files(store, archive):
    """Every file in the evidence store, read through its storage API (a disk or a bucket
    alike), into a tar archive under the same names."""
    with tarfile.open(archive, "w:gz") as tar:
        for name in stored_names(store):
            with store.open(name, "rb") as file:
                member = tarfile.TarInfo(name)
                member.size, member.mode = file.size, 0o600
                tar.addfile(member, file)


def stored_names(store, directory=""):
    try:
        directories, files = store.listdir(directory)
    except FileNotFoundError:  # a new portal's disk, with no file yet
        return
    for name in sorted(files):
        yield posixpath.join(directory, name)
    for name in sorted(directories):
        yield from stored_names(store, posixpath.join(directory, name))


def verify_in_child(database_url, media_root, keys, tmp):
    """Run the check in a fresh Django process whose settings see only the restored copy:
    the scratch database, the files on disk in the new directory, wherever they came from
    (no bucket, no shared cache), and the key file to decrypt them with."""
    env = os.environ.copy()
    for name in list(env):
        if name in ("DATABASE_URL_FILE", "PORTAL_MEDIA_ROOT_FILE") or name.startswith(
            ("PORTAL_S3_", "REDIS_URL")
        ):
            env.pop(name)
    env.update(
        DATABASE_URL=database_url,
        PORTAL_MEDIA_ROOT=str(media_root),
        PORTAL_ENCRYPTION_KEYS_FILE=str(keys),
        PORTAL_VAR_DIR=str(tmp / "var"),  # nothing of the child's lands in the live var/
        DJANGO_SETTINGS_MODULE="portal.settings",
    )
    print(f"Nycklarna läses från {keys}.")
    child = subprocess.run([sys.executable, __file__, VERIFY], env=env, check=False)  # noqa: S603
    if child.returncode != 0:
        print(
            "Övningen misslyckades: den återlästa kopian går inte att läsa hel med nycklarna, "
            "eller har inte alla bevisfiler oförändrade."
        )
    return child.returncode


def verify_restored():
    import django

    django.setup()
    from django.apps import apps

    from incidents.models import Evidence
    from portal.crypto import Unreadable
    from portal.reencryption import check_rows

    problems = []
    # Every encrypted text, decrypted with the keys: rows are counted, never shown.
    rows = 0
    for model in apps.get_models():
        read, unreadable = check_rows(model)
        rows += read
        problems += [f"text kan inte läsas: {row}" for row in unreadable]
    print(f"{rows} rader med krypterad text kontrollerade.")

    checked = 0
    # Only what the check needs: the file's name as sent is encrypted too.
    stored = Evidence.objects.select_related("incident").only(
        "file", "sha256", "incident__reference", "incident__created_at"
    )
    for evidence in stored.order_by("pk").iterator():
        checked += 1
        # Stored names are random; the reference says whose it is without saying what it is.
        where = f"{evidence.file.name} (bevisfil {evidence.pk}, {evidence.incident})"
        try:
            with evidence.file.open("rb") as contents:
                digest = sha256(contents)
        except FileNotFoundError:
            problems.append(f"saknas: {where}")
        except Unreadable as exc:
            problems.append(f"kan inte läsas ({exc}): {where}")
        else:
            if digest != evidence.sha256:
                problems.append(f"SHA-256 stämmer inte: {where}")
    if problems:
        print(f"{checked} filer kontrollerade, {len(problems)} fel:")
        for problem in problems:
            print(f"  {problem}")
        return 1
    if checked == 0:
        print("0 filer kontrollerade: den återlästa databasen har inga bevisfiler.")
        return 0
    print(f"{checked} filer kontrollerade, alla SHA-256 stämmer.")
    return 0


def run(command, env):
    result = subprocess.run(  # noqa: S603
        [str(part) for part in command], env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise DrillFailed(
            f"{command[0]} avslutades med {result.returncode}: {result.stderr.strip()}"
        )
    return result


def pg_env(database):
    """libpq's variables for the live server, so that no password is on a command line."""
    env = os.environ.copy()
    for key, variable in [
        ("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD"),
    ]:  # fmt: skip
        if database.get(key):
            env[variable] = str(database[key])
    if sslmode := database.get("OPTIONS", {}).get("sslmode"):
        env["PGSSLMODE"] = sslmode
    return env


def sqlite_copy(source, target, *, read_only=False):
    if not source.is_file():
        raise DrillFailed(f"databasfilen {source} finns inte")
    uri = f"{source.as_uri()}?mode=ro" if read_only else source.as_uri()
    with sqlite3.connect(uri, uri=True) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    src.close()
    dst.close()


def sha256(file):
    """Of the contents, as the portal reads them (decrypted)."""
    digest = hashlib.sha256()
    for chunk in iter(lambda: file.read(1024 * 1024), b""):
        digest.update(chunk)
    return digest.hexdigest()


def size(path):
    n = path.stat().st_size
    if n < 1024:
        return f"{n} byte"
    return f"{n / 1024:.0f} kB" if n < 1024**2 else f"{n / 1024**2:.1f} MB"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
