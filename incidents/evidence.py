"""Evidence files: what we accept, how images are cleaned, where files are kept.

The type of a file is decided by its content, never by its name. Images are
re-encoded so that EXIF, and with it the GPS position of the phone that took
the photo, is gone. Only the cleaned copy is kept: it is the evidence, and its
SHA-256 is recorded. Other files (PDF, sound) are kept byte for byte. An image's
pixels are counted from its header before anything is decoded, so that a picture made
to use up the server's memory and time is refused at once.

Files are kept in the default storage under evidence/ with random names: on the server's
disk (MEDIA_ROOT, readable by the portal's user only) or, with more than one server, in a
private bucket of an object store (PORTAL_S3_*). Neither has a public URL: a file is served
only by a view that checks who asks, through the storage API, never by a path on a disk.
What is kept there is encrypted (portal.crypto.EncryptedStorage, around the disk or the
bucket), so a copy of the disk or the bucket holds no evidence without the key file.
"""

import io
import logging
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import wraps
from typing import IO, Any, cast

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import HttpRequest, HttpResponseBase
from django.http.multipartparser import MultiPartParser
from django.template.defaultfilters import filesizeformat
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from PIL import Image, ImageOps, UnidentifiedImageError
from pillow_heif import register_heif_opener

register_heif_opener()

logger = logging.getLogger(__name__)

# A picture costs the server by its pixels, not by its file: decoded, each pixel takes up
# to four bytes, and a file of a few hundred kilobytes can hold a picture of hundreds of
# megabytes (a "decompression bomb"), sent to hold every worker and take the portal down.
# So the pixels are counted from each image's header before any image is decoded.
#
# A phone photo is 12 megapixels, 48–50 in the best cameras' largest setting; a letter
# scanned at 600 dpi is 35. More than this is not a photo. Cleaning 50 megapixels takes
# about 200 MB and half a second as JPEG, two seconds as PNG (bench/evidence.py).
MAX_PIXELS = 50_000_000
# All the images of one sending together: ten phone photos, and a few seconds of a
# worker at most.
MAX_TOTAL_PIXELS = 150_000_000
# Photos and screenshots take at least a byte for every few dozen pixels, however plain;
# tens of megapixels in a few hundred kilobytes is a picture made to be a bomb. Below
# PLAIN_PIXELS a picture costs too little to matter, and may be as plain as it likes
# (a screenshot of an almost empty screen).
MAX_PIXELS_PER_BYTE = 250
PLAIN_PIXELS = 10_000_000

# Content type as detected -> (extension when stored, kind). The formats phones and
# computers produce for screenshots, photos, scanned letters and recorded calls.
ALLOWED = {
    "image/jpeg": ("jpg", "image"),
    "image/png": ("png", "image"),
    "image/apng": ("png", "image"),
    "image/gif": ("gif", "image"),
    "image/webp": ("webp", "image"),
    "image/heic": ("heic", "image"),
    "image/heif": ("heif", "image"),
    "application/pdf": ("pdf", "file"),
    "audio/mpeg": ("mp3", "file"),
    "audio/mp4": ("m4a", "file"),
    # Many call recorders write sound in an MP4 container that reads as video.
    "video/mp4": ("mp4", "file"),
    "audio/x-wav": ("wav", "file"),
    "audio/ogg": ("ogg", "file"),
    "audio/amr": ("amr", "file"),
}
ACCEPTED_FORMATS = (
    "bilder (JPEG, PNG, HEIC, WebP, GIF), PDF och ljudfiler (MP3, M4A, MP4, WAV, OGG, AMR)"
)
ACCEPT_ATTRIBUTE = ",".join(
    [*ALLOWED, ".jpg", ".jpeg", ".png", ".heic", ".heif", ".webp", ".gif", ".pdf", ".mp3",
     ".m4a", ".mp4", ".wav", ".ogg", ".amr"]
)  # fmt: skip


def limits() -> tuple[int, int, int]:
    """(per file, in total, number of files) for one sending, as the settings say."""
    return (
        settings.INCIDENT_MAX_FILE_SIZE,
        settings.INCIDENT_MAX_TOTAL_SIZE,
        settings.INCIDENT_MAX_FILES,
    )


@dataclass(frozen=True)
class PreparedFile:
    original_name: str
    content_type: str
    extension: str
    data: bytes


def _again(message: str, name: str) -> str:
    # A browser can't fill in a file field again, so every message says so.
    return f"{message.format(name=name)} Välj filen igen, eller en annan fil."


def clean_name(name: str | None) -> str:
    name = os.path.basename((name or "").replace("\\", "/")).strip()
    return name[-255:] or "fil"


@dataclass(frozen=True)
class _Checked:
    """A file whose type, size and (for an image) pixels are known, not yet decoded."""

    name: str
    content_type: str
    data: bytes
    pixels: int


def prepare_all(uploads: Sequence[File]) -> list[PreparedFile]:
    """Check the files of one sending and return what is to be stored, or raise
    ValidationError with a message for each file refused. Every file is looked at (its
    size, its type, and an image's pixels in its header) before any image is decoded, so
    that a file which would cost too much is refused before it costs anything."""
    check_together(uploads)
    checked = _each(_check, uploads)
    pixels = sum(file.pixels for file in checked)
    if pixels > MAX_TOTAL_PIXELS:
        raise ValidationError(
            f"Bilderna är tillsammans för stora för att skickas på en gång: "
            f"{_megapixels(pixels)} miljoner bildpunkter, och det går att skicka högst "
            f"{_megapixels(MAX_TOTAL_PIXELS)} miljoner åt gången. Välj färre filer, och "
            "skicka resten som en komplettering efteråt."
        )
    return _each(_prepare, checked)


def _each[F, R](step: Callable[[F], R], files: Iterable[F]) -> list[R]:
    """The step's result for every file, or one ValidationError naming every file refused."""
    results: list[R] = []
    errors: list[str] = []
    for file in files:
        try:
            results.append(step(file))
        except ValidationError as error:
            errors.extend(error.messages)
    if errors:
        raise ValidationError(errors)
    return results


def prepare(upload: File) -> PreparedFile:
    """Check one uploaded file and return what is to be stored, or raise ValidationError."""
    return _prepare(_check(upload))


def _check(upload: File) -> _Checked:
    name = clean_name(upload.name)
    max_file, _, _ = limits()
    if upload.size > max_file:
        raise ValidationError(
            _again(
                f"Filen ”{{name}}” är {filesizeformat(upload.size)}. "
                f"En fil får vara högst {filesizeformat(max_file)}.",
                name,
            )
        )
    upload.seek(0)
    data = upload.read()
    detected = filetype.guess_mime(data)
    if detected not in ALLOWED:
        raise ValidationError(
            _again(
                f"Filen ”{{name}}” är inte i ett format vi kan ta emot. "
                f"Det går att skicka {ACCEPTED_FORMATS}.",
                name,
            )
        )
    pixels = _pixels(name, data) if ALLOWED[detected][1] == "image" else 0
    return _Checked(name, detected, data, pixels)


def _pixels(name: str, data: bytes) -> int:
    """An image's pixels, read from its header alone; refuses a picture too large to decode."""
    too_many = ValidationError(
        _again(
            f"Bilden ”{{name}}” har fler bildpunkter än vi kan ta emot: högst "
            f"{_megapixels(MAX_PIXELS)} miljoner, vilket räcker för foton från en mobil och "
            "inskannade brev.",
            name,
        )
    )
    try:
        # Image.open reads the header only; nothing is decoded until load().
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
    except Image.DecompressionBombError:
        raise too_many from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise _unreadable(name) from None
    pixels = width * height
    if pixels > MAX_PIXELS:
        raise too_many
    if pixels > PLAIN_PIXELS and pixels > MAX_PIXELS_PER_BYTE * len(data):
        raise ValidationError(
            _again(
                f"Bilden ”{{name}}” är {_number(width)} × {_number(height)} bildpunkter i en "
                f"fil på bara {filesizeformat(len(data))}. Så ser inte ett foto eller en "
                "skärmdump ut, och vi kan inte ta emot den.",
                name,
            )
        )
    return pixels


def _prepare(file: _Checked) -> PreparedFile:
    extension, kind = ALLOWED[file.content_type]
    if kind == "image":
        return _clean_image(file.name, file.data)
    return PreparedFile(file.name, file.content_type, extension, file.data)


def _unreadable(name: str) -> ValidationError:
    return ValidationError(
        _again("Filen ”{name}” ser ut som en bild men går inte att öppna.", name)
    )


def _megapixels(pixels: int) -> str:
    return _number(round(pixels / 1_000_000))


def _number(n: int) -> str:
    """As Swedish writes it: 8 900, with a space that keeps the number on one line."""
    return f"{n:,}".replace(",", "\xa0")


def _clean_image(name: str, data: bytes) -> PreparedFile:
    try:
        with Image.open(io.BytesIO(data)) as original:
            lossless = original.format in ("PNG", "GIF")
            original.load()
            # Keep nothing of the metadata (EXIF, XMP, comments) but the colour profile.
            icc_profile = original.info.get("icc_profile")
            # Turn the picture the way the phone held it, since the EXIF that says so goes.
            # In place: a copy of a large picture would double what it costs.
            ImageOps.exif_transpose(original, in_place=True)
            image: Image.Image = original
            has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
            as_png = lossless or has_alpha
            # PNG holds black-and-white and palette pictures as they are, at a fraction of
            # the memory the conversion to RGB would take.
            png_modes = ("RGB", "RGBA", "L", "LA", "1") + (() if has_alpha else ("P",))
            if as_png and image.mode not in png_modes:
                image = image.convert("RGBA" if has_alpha else "RGB")
            elif not as_png and image.mode not in ("RGB", "L"):
                image = image.convert("RGB")
            image.info = {}
            out = io.BytesIO()
            if as_png:
                image.save(out, format="PNG", icc_profile=icc_profile)
                return PreparedFile(name, "image/png", "png", out.getvalue())
            image.save(out, format="JPEG", quality=92, icc_profile=icc_profile)
            return PreparedFile(name, "image/jpeg", "jpg", out.getvalue())
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise _unreadable(name) from None


def check_together(files: Sequence[File]) -> None:
    """The limits on the number of files and their total size, for one sending."""
    _, max_total, max_files = limits()
    if len(files) > max_files:
        raise ValidationError(
            f"Du valde {len(files)} filer. Det går att skicka högst {max_files} åt gången. "
            "Välj färre filer, och skicka resten som en komplettering efteråt."
        )
    total = sum(f.size for f in files)
    if total > max_total:
        raise ValidationError(
            f"Filerna är tillsammans {filesizeformat(total)}. Det går att skicka högst "
            f"{filesizeformat(max_total)} åt gången. Välj färre filer, och skicka resten som "
            "en komplettering efteråt."
        )


# File names in any encoding. A browser writes a file's name in UTF-8; some apps and older
# systems write it in Latin-1 or Windows-1252. Django's parser skips a part whose headers
# are not UTF-8, file and all, without a word, and the report would be saved without its
# evidence. Losing evidence is worse than an odd name, so the views that take files read
# such a header as Windows-1252 (Latin-1 with a few more letters): "fr\xe5n" is "från".

MAX_PART_HEADERS = 10 * 1024  # Django's own limit on the headers of one part


def _utf8(header: bytes) -> bytes:
    try:
        header.decode()
    except UnicodeDecodeError:
        return header.decode("cp1252", errors="replace").encode()
    return header


class _HeadersInUtf8:
    """The body of a multipart request, with each part's header lines in UTF-8. Only the
    headers are touched: a part's content passes byte for byte."""

    def __init__(self, stream: IO[bytes], boundary: bytes) -> None:
        self._stream = stream
        self._delimiter = b"\r\n--" + boundary
        # A delimiter is a line break and the boundary; the body begins with the boundary
        # alone. A line break in front makes the first like the others (and is dropped).
        self._pending = b"\r\n"
        self._drop = 2
        self._in_headers = False
        self._done = False

    def read(self, size: int = -1) -> bytes:
        out = b""
        while not out and not self._done:
            out = self._next()
            dropped = min(self._drop, len(out))
            out, self._drop = out[dropped:], self._drop - dropped
        return out

    def _next(self) -> bytes:
        chunk = self._stream.read(64 * 1024)
        self._done = not chunk
        self._pending += chunk
        out = bytearray()
        while True:
            if self._in_headers:
                end = self._pending.find(b"\r\n\r\n")
                if end == -1:
                    if len(self._pending) > MAX_PART_HEADERS:
                        self._in_headers = False  # not headers: Django's parser will say so
                        continue
                    break
                out += b"\r\n".join(_utf8(line) for line in self._pending[:end].split(b"\r\n"))
                out += b"\r\n\r\n"
                self._pending = self._pending[end + 4 :]
                self._in_headers = False
            else:
                found = self._pending.find(self._delimiter)
                if found == -1:
                    break
                found += len(self._delimiter)
                out += self._pending[:found]
                self._pending = self._pending[found:]
                self._in_headers = True
        # What could be the beginning of a delimiter or of headers waits for the next read.
        keep = len(self._pending) if self._in_headers else len(self._delimiter) - 1
        if self._done or len(self._pending) > keep:
            cut = len(self._pending) if self._done else len(self._pending) - keep
            out += self._pending[:cut]
            self._pending = self._pending[cut:]
        return bytes(out)


class _AnyFileNameParser(MultiPartParser):
    def __init__(self, META, input_data, upload_handlers, encoding=None):
        super().__init__(META, input_data, upload_handlers, encoding)
        # _boundary, read by the parser from the Content-Type, is private: the stubs leave it out.
        self._input_data = _HeadersInUtf8(input_data, self._boundary)  # type: ignore[attr-defined]


def takes_files[V: Callable[..., HttpResponseBase]](view: V) -> V:
    """For the views that take evidence: files are read whatever the encoding of their
    names. The parser must be chosen before the POST is read, and the CSRF middleware
    reads it before the view; so the CSRF check is made here, after the choice."""
    checked = csrf_protect(view)

    @csrf_exempt
    @wraps(view)
    def choose_parser(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        # Django takes the parser's class here; the stubs say an instance.
        request.multipart_parser_class = _AnyFileNameParser  # type: ignore[assignment]
        return checked(request, *args, **kwargs)

    return cast(V, choose_parser)


# The names of the files written inside evidence.atomic(), or None outside it.
_written: ContextVar[list[str] | None] = ContextVar("evidence_written", default=None)


def remember_written(name: str) -> None:
    written = _written.get()
    if written is not None:
        written.append(name)


class NotStored(Exception):
    """The storage (the disk, or the bucket and its network) would not take a file: nothing
    of the report is saved, and the person is asked to send it again in a while."""


def store(field: Any, name: str, data: bytes) -> None:
    """Write a checked file to the evidence storage through its field. Whatever the storage
    raises (each backend has errors of its own: OSError, botocore's) becomes NotStored."""
    try:
        field.save(name, ContentFile(data), save=False)
    except Exception as e:
        logger.exception("Bevisfilen kunde inte sparas")
        raise NotStored from e


@contextmanager
def atomic() -> Iterator[None]:
    """transaction.atomic() that also removes the evidence files written inside it if
    it fails, so that a failure part-way leaves neither a half report nor an orphan file."""
    written: list[str] = []
    reset = _written.set(written)
    try:
        with transaction.atomic():
            yield
    except BaseException:
        for name in written:
            try:
                default_storage.delete(name)
            except Exception:
                # The storage that failed may fail this too: the error that stopped the
                # report is the one to raise, and the file left behind is logged by name.
                logger.exception("En bevisfil kunde inte tas bort efter ett avbrott: %s", name)
        raise
    finally:
        _written.reset(reset)
