"""What the underlag till polisanmälan costs to make, side by side in one run: a report without
evidence (the baseline: the text pages alone), with five phone screenshots (PNG, 1170 × 2532)
and with five phone photos (JPEG, 4032 × 3024). The screenshots are made both ways: as the
bundle prints them (a JPEG copy, incidents.police_bundle.for_print) and as stored, the PNG
that WeasyPrint would decode and compress again itself.

Medians of a few runs of incidents.police_bundle.render, in one process, after one warm-up.

Run: .venv/bin/python bench/police_bundle.py (SQLite and files in a temporary directory)
"""

import io
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
REPEAT = 3


def screenshot_png(size=(1170, 2532)):
    """A phone screenshot: white, with lines of text and a picture in a post."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    where = random.Random(1)  # noqa: S311 (where the words go, not a secret)
    for y in range(40, size[1] - 20, 28):
        draw.text((30 + where.randrange(40), y), "Vi vet var du bor. " * 3, fill="black")
    image.paste(photo((size[0] - 60, 700)), (30, 900))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def photo(size):
    """Something like a photo: a gradient with grain, which compresses as photos do."""
    from PIL import Image

    gradient = Image.linear_gradient("L").resize(size)
    grain = Image.effect_noise(size, 20)
    turned = gradient.transpose(Image.Transpose.ROTATE_180)
    return Image.merge(
        "RGB", [Image.blend(gradient, grain, 0.3), turned, Image.blend(gradient, grain, 0.6)]
    )


def photo_jpeg(size=(4032, 3024)):
    buffer = io.BytesIO()
    photo(size).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def median_ms(fn):
    fn()
    times = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main():
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_DEBUG"] = "1"
    os.environ["PORTAL_VAR_DIR"] = tempfile.mkdtemp(prefix="bench-police-bundle-")
    os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings"
    import django

    django.setup()
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command

    from incidents import evidence, police_bundle
    from incidents.models import Incident
    from portal.models import User

    call_command("migrate", verbosity=0)
    official = User.objects.create_user("bench@example.se", full_name="Bench Bänk")

    def report(files):
        incident = Incident.objects.create(reporter=official, kinds=["hot"], during="Hot.")
        # Sent without the mails a sent report gives (to the console here).
        with evidence.atomic(), mock.patch.object(Incident, "notify_submitted"):
            incident.submit()
            uploads = [SimpleUploadedFile(name, data) for name, data in files]
            incident.attach(evidence.prepare_all(uploads))
        return incident

    shot, picture = screenshot_png(), photo_jpeg()
    screenshots = report([(f"s{i}.png", shot) for i in range(5)])
    cases = [
        ("no evidence (baseline)", report([]), False),
        ("5 screenshots, as printed", screenshots, False),
        ("5 screenshots, PNG as stored", screenshots, True),
        ("5 photos 4032×3024 JPEG", report([(f"p{i}.jpg", picture) for i in range(5)]), False),
    ]
    print(f"{'report':<32} {'time':>9} {'PDF':>9}")
    for label, incident, as_stored in cases:
        size = 0

        def render(incident=incident):
            nonlocal size
            pdf, _ = police_bundle.render(incident)
            size = len(pdf)

        if as_stored:
            with mock.patch.object(police_bundle, "for_print", lambda item, data: data):
                ms = median_ms(render)
        else:
            ms = median_ms(render)
        print(f"{label:<32} {ms:>6.0f} ms {size / 1e6:>6.1f} MB")
    print(
        f"(screenshot {len(shot) / 1000:.0f} kB, photo {len(picture) / 1000:.0f} kB; "
        f"median of {REPEAT} runs after one)"
    )


if __name__ == "__main__":
    main()
