"""What encryption at rest costs, beside the portal without it, in one run: a report's page
(the reporter's, and the officer's in the admin with all that hangs on the report), the
officers' list of 100 reports, a download of a 5 MB photo, and a report sent with a 5 MB
photo (which includes cleaning the photo, as the form does).

"klartext" is the same code with the encryption switched off, as the portal was before it:
text fields written as they are (portal.crypto reads a value without its prefix as it is)
and the uploads in the file system storage without the encrypting one around it.
"krypterat" is the portal as it is. Both in the same process and database, case by case one
after the other: the median time of REPEAT requests through Django's test client, and in a
run of its own the peak of Python's allocations during one request (tracemalloc), which
shows whether a file is held whole in memory.

Run: .venv/bin/python bench/crypto.py (SQLite in a temporary directory), or on PostgreSQL
with a scratch database: createdb portal_bench;
DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench .venv/bin/python bench/crypto.py
"""

import io
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
import uuid
from contextlib import contextmanager, nullcontext
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
REPEAT = 9
LIST_SIZE = 100
TEXT = (
    "Han stod utanför porten när jag kom hem efter fullmäktige och sa att han vet var mina "
    "barn går i skolan. Han hade skrivit samma sak på Facebook dagen innan. "
)


def number(n):
    return f"{n:,}".replace(",", "\N{NO-BREAK SPACE}")


def median_of(fn, repeat):
    """The median time of fn, in milliseconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def peak_mb(fn):
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 1024 / 1024
    finally:
        tracemalloc.stop()


def photo_jpeg(megabytes):
    """Something like a photo of about this size: a gradient with grain, as photos compress."""
    from PIL import Image

    side = 2000
    while True:
        size = (side * 4 // 3, side)
        gradient = Image.linear_gradient("L").resize(size)
        grain = Image.effect_noise(size, 30)
        image = Image.merge("RGB", [Image.blend(gradient, grain, 0.4), grain, gradient])
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=92)
        if buffer.tell() >= megabytes * 1024 * 1024:
            return buffer.getvalue()
        side += 400


def report_form(photo=None):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = {
        "submission_token": str(uuid.uuid4()),
        "kinds": ["hot"],
        "channel": "fysiskt",
        "timing": "har_hant",
        "occurred_on": "2026-11-20",
        "occurred_time": "21:15",
        "place": "Utanför min bostad, Storgatan 12",
        "before": TEXT * 3,
        "during": TEXT * 10,
        "actions": TEXT * 2,
        "perpetrator_known": "ja",
        "perpetrator_description": TEXT,
        "witnesses": "Grannen på andra våningen.",
        "police_report": "planerad",
        "police_report_number": "",
        "consequences": ["oro"],
        "may_contact": "True",
        "contact_how": "Ring mobilen efter klockan 17.",
        "action": "skicka",
    }
    if photo is not None:
        data["files"] = [SimpleUploadedFile("foto.jpg", photo, content_type="image/jpeg")]
    return data


@contextmanager
def in_clear():
    """The portal with the encryption switched off: as it was before."""
    from django.conf import settings
    from django.test import override_settings

    plain = settings.STORAGES["default"]["OPTIONS"]["inner"]
    with (
        mock.patch("portal.crypto.encrypt_text", lambda text: text),
        override_settings(STORAGES={**settings.STORAGES, "default": plain}),
    ):
        yield


def main():
    database_url = os.environ.get("DATABASE_URL", "")
    if database_url and "bench" not in database_url:
        sys.exit("Kör bara mot en databas för mätningar (namnet ska innehålla 'bench').")
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_DEBUG"] = "1"
    os.environ.setdefault("PORTAL_VAR_DIR", tempfile.mkdtemp(prefix="bench-crypto-"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings"
    import django

    django.setup()
    from django.core.files.base import ContentFile
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client, override_settings
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from incidents.models import Incident, InternalNote
    from portal.models import User

    call_command("migrate", verbosity=0)
    override_settings(
        MAILERS={"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    ).enable()
    photo = photo_jpeg(5)
    officer = User.objects.create_user(
        f"sara-{uuid.uuid4().hex[:6]}@bench.example", "x" * 20,
        full_name="Sara Säkerhet", role=User.Role.SAKERHETSHANDLAGGARE,
    )  # fmt: skip
    device = TOTPDevice.objects.create(user=officer, name="bench", confirmed=True)
    handler = Client(raise_request_exception=True)
    handler.force_login(officer)
    session = handler.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()

    label = f"{len(photo) / 1024 / 1024:.0f} MB"
    modes = {"klartext": in_clear, "krypterat": nullcontext}
    cases, stored = {}, {}
    for mode, switch in modes.items():
        with switch():
            official = User.objects.create_user(
                f"{mode}-{uuid.uuid4().hex[:6]}@bench.example", "x" * 20,
                full_name=f"Förtroendevald {mode.capitalize()}",
            )  # fmt: skip
            reporter = Client(raise_request_exception=True)
            reporter.force_login(official)
            reporter.post("/rapportera/", report_form(photo))
            incident = Incident.objects.filter(reporter=official).get()
            for _ in range(3):
                incident.add_supplement(official, TEXT, [], uuid.uuid4())
                incident.send_message(officer, TEXT)
                InternalNote.objects.create(incident=incident, author=officer, text=TEXT)
            incident.change_triage(officer, status="under_bedomning", handler=officer)
            for _ in range(LIST_SIZE - 1):
                reporter.post("/rapportera/", report_form())
            evidence = incident.evidence.get()
            with connection.cursor() as cursor:
                cursor.execute("SELECT during FROM incidents_incident WHERE id = %s", [incident.pk])
                (during,) = cursor.fetchone()
            file = Path(os.environ["PORTAL_VAR_DIR"]) / "uploads" / evidence.file.name
            stored[mode] = (len(during.encode()), file.stat().st_size)

        def download(reporter=reporter, evidence=evidence):
            response = reporter.get(evidence.get_absolute_url())
            for _ in response.streaming_content:
                pass
            response.close()

        for name, case in {
            "rapportens sida (förtroendevald)": lambda r=reporter, i=incident: r.get(
                i.get_absolute_url()
            ),
            "rapportens sida (administrationen)": lambda i=incident: handler.get(
                f"/admin/incidents/incident/{i.pk}/change/"
            ),
            f"listan, {LIST_SIZE} rapporter": lambda o=official: handler.get(
                "/admin/incidents/incident/", {"q": o.email}
            ),
            f"ladda ned fotot ({label})": download,
            f"skicka rapport med foto ({label})": lambda r=reporter: r.post(
                "/rapportera/", report_form(photo)
            ),
        }.items():
            cases.setdefault(name, {})[mode] = case

    # Case by case, the two ways in turn, so that whatever else the machine does falls on both.
    results = {}
    for name, by_mode in cases.items():
        repeat = 3 if "skicka" in name else REPEAT
        times = {mode: [] for mode in modes}
        for mode, case in by_mode.items():
            with modes[mode]():
                case()  # warm
        for _ in range(repeat):
            for mode, case in by_mode.items():
                with modes[mode]():
                    start = time.perf_counter()
                    case()
                    times[mode].append((time.perf_counter() - start) * 1000)
        results[name] = {}
        for mode, case in by_mode.items():
            with modes[mode]():
                results[name][mode] = (statistics.median(times[mode]), peak_mb(case))

    print(f"{'':<36}{'klartext':>20}{'krypterat':>20}{'kvot':>7}")
    print(f"{'':<36}{'tid':>10}{'minne':>10}{'tid':>10}{'minne':>10}")
    for name, by_mode in results.items():
        (clear_ms, clear_mb), (enc_ms, enc_mb) = by_mode["klartext"], by_mode["krypterat"]
        print(
            f"{name:<36}{clear_ms:>7.1f} ms{clear_mb:>7.1f} MB{enc_ms:>7.1f} ms{enc_mb:>7.1f} MB"
            f"{enc_ms / clear_ms:>6.2f}x"
        )
    (clear_text, clear_file), (enc_text, enc_file) = stored["klartext"], stored["krypterat"]
    print(
        f"lagrat: fältet 'vad hände' {number(clear_text)} → {number(enc_text)} byte, "
        f"fotot {number(clear_file)} → {number(enc_file)} byte"
    )
    # What the requests above hide in their noise: the encryption alone.
    from portal import crypto

    text = crypto.encrypt_text(TEXT * 12)
    per_text = median_of(lambda: crypto.decrypt_text(text), 1000) * 1000
    storage = crypto.EncryptedStorage({"BACKEND": "django.core.files.storage.InMemoryStorage"})
    name = storage.save("foto.jpg", ContentFile(photo))
    per_mb = median_of(lambda: storage.open(name).read(), 5) / (len(photo) / 1024 / 1024)
    print(
        f"bara krypteringen: en text på {number(len(TEXT) * 12)} tecken dekrypteras på "
        f"{per_text:.0f} µs, en fil på {per_mb:.1f} ms per MB"
    )
    with open("/proc/loadavg") as loadavg:
        load = loadavg.read().split()[0]
    print(
        f"({connection.vendor}, median av {REPEAT} anrop (3 för att skicka), minne: högsta "
        f"Python-allokering under ett anrop; maskinens belastning nu {load})"
    )


if __name__ == "__main__":
    main()
