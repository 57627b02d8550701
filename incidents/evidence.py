"""Evidence files: what we accept, how images are cleaned, where files are kept.

The type of a file is decided by its content, never by its name. Images are
re-encoded so that EXIF, and with it the GPS position of the phone that took
the photo, is gone. Only the cleaned copy is kept: it is the evidence, and its
SHA-256 is recorded. Other files (PDF, sound) are kept byte for byte.

Files live under MEDIA_ROOT/evidence/ with random names. MEDIA_ROOT has no
public URL: a file is served only by a view that checks who asks.
"""

import io
import os
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from PIL import Image, ImageOps, UnidentifiedImageError
from pillow_heif import register_heif_opener

register_heif_opener()

MB = 1024 * 1024
MAX_FILE_SIZE = 15 * MB
MAX_TOTAL_SIZE = 50 * MB
MAX_FILES = 10
# A photo from a phone is 12–50 megapixels; more than this is not a photo.
MAX_PIXELS = 80_000_000  # under Pillow's own decompression-bomb warning

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

private_storage = FileSystemStorage(file_permissions_mode=0o600, directory_permissions_mode=0o700)


def limits():
    """(per file, in total, number of files) for one sending: settings may lower or raise them."""
    return (
        getattr(settings, "INCIDENT_MAX_FILE_SIZE", MAX_FILE_SIZE),
        getattr(settings, "INCIDENT_MAX_TOTAL_SIZE", MAX_TOTAL_SIZE),
        getattr(settings, "INCIDENT_MAX_FILES", MAX_FILES),
    )


@dataclass(frozen=True)
class PreparedFile:
    original_name: str
    content_type: str
    extension: str
    data: bytes


def _again(message, name):
    # A browser can't fill in a file field again, so every message says so.
    return f"{message.format(name=name)} Välj filen igen, eller en annan fil."


def clean_name(name):
    name = os.path.basename((name or "").replace("\\", "/")).strip()
    return name[-255:] or "fil"


def prepare(upload):
    """Check one uploaded file and return what is to be stored, or raise ValidationError."""
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
    extension, kind = ALLOWED[detected]
    if kind == "image":
        return _clean_image(name, data)
    return PreparedFile(name, detected, extension, data)


def _clean_image(name, data):
    unreadable = ValidationError(
        _again("Filen ”{name}” ser ut som en bild men går inte att öppna.", name)
    )
    try:
        with Image.open(io.BytesIO(data)) as original:
            if original.width * original.height > MAX_PIXELS:
                raise ValidationError(_again("Bilden ”{name}” är för stor att ta emot.", name))
            lossless = original.format in ("PNG", "GIF")
            original.load()
            # Turn the picture the way the phone held it, since the EXIF that says so goes.
            image = ImageOps.exif_transpose(original)
            has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
            as_png = lossless or has_alpha
            if as_png and image.mode not in ("RGB", "RGBA", "L", "LA"):
                image = image.convert("RGBA" if has_alpha else "RGB")
            elif not as_png and image.mode not in ("RGB", "L"):
                image = image.convert("RGB")
            # Keep nothing of the metadata (EXIF, XMP, comments) but the colour profile.
            icc_profile = original.info.get("icc_profile")
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
        raise unreadable from None


def check_together(files):
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


_written = ContextVar("evidence_written", default=None)


def remember_written(name):
    written = _written.get()
    if written is not None:
        written.append(name)


@contextmanager
def atomic():
    """transaction.atomic() that also removes the evidence files written inside it if
    it fails, so that a failure part-way leaves neither a half report nor an orphan file."""
    written = []
    reset = _written.set(written)
    try:
        with transaction.atomic():
            yield
    except BaseException:
        for name in written:
            private_storage.delete(name)
        raise
    finally:
        _written.reset(reset)
