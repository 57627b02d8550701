"""What checking one evidence image costs, side by side in one run: a decompression bomb
(an 8 900 × 8 900 PNG of 308 kB, under the old 80 Mpx cap) and one under the 50 Mpx cap,
against a normal 4 000 × 3 000 phone photo, the largest photo the portal takes, and a
long 50 Mpx screenshot as PNG (the slowest file there is to clean).

Each file is checked in a process of its own (incidents.evidence.prepare, as the report
form does), so that the peak memory (VmHWM, Linux) is that file's alone: the figure is the
growth of the process's peak while the file was checked, and the time is the wall time
of prepare(). Medians of a few runs.

Run: .venv/bin/python bench/evidence.py
"""

import io
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPEAT = 3


def words_png(size, mode, background, times):
    """A picture with some words scattered on it."""
    import random

    from PIL import Image, ImageDraw

    image = Image.new(mode, size, background)
    draw = ImageDraw.Draw(image)
    where = random.Random(1)  # noqa: S311 (where the words go, not a secret)
    width, height = size
    for _ in range(times):
        xy = (where.randrange(width - 100), where.randrange(height - 10))
        draw.text(xy, "hot och hat", fill=255 if mode == "L" else "red")
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def photo_jpeg(size):
    """Something like a photo: a gradient with grain, which compresses as photos do."""
    from PIL import Image

    gradient = Image.linear_gradient("L").resize(size)
    grain = Image.effect_noise(size, 20)
    turned = gradient.transpose(Image.Transpose.ROTATE_180)
    image = Image.merge(
        "RGB", [Image.blend(gradient, grain, 0.3), turned, Image.blend(gradient, grain, 0.6)]
    )
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


CASES = [
    # The bomb of the issue: black with words, 79 Mpx in ~300 kB.
    ("bomb: 8900×8900 PNG", "bomb.png", lambda: words_png((8900, 8900), "L", 0, 2000)),
    ("bomb under the cap: 7000×7000", "bomb2.png", lambda: words_png((7000, 7000), "L", 0, 400)),
    ("photo: 4000×3000 JPEG", "photo.jpg", lambda: photo_jpeg((4000, 3000))),
    ("photo: 8160×6120 JPEG (50 Mpx)", "big.jpg", lambda: photo_jpeg((8160, 6120))),
    (
        "screenshot: 5000×10000 PNG",
        "long.png",
        lambda: words_png((5000, 10000), "RGB", "white", 6000),
    ),
]


def peak_kb():
    """The process's peak resident memory. Not ru_maxrss: Linux carries that over from the
    parent through exec, and the parent has just drawn the pictures."""
    status = Path("/proc/self/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("VmHWM:")).split()[1])


def check_one(path):
    """In the child: check one file as the form does; print seconds, peak growth, verdict."""
    import django
    from django.conf import settings

    settings.configure()
    django.setup()
    from django.core.exceptions import ValidationError
    from django.core.files.uploadedfile import SimpleUploadedFile

    from incidents import evidence

    upload = SimpleUploadedFile(Path(path).name, Path(path).read_bytes())
    before = peak_kb()
    start = time.perf_counter()
    try:
        evidence.prepare(upload)
        verdict = "tas emot"
    except ValidationError as error:
        verdict = "nekas: " + error.messages[0]
    seconds = time.perf_counter() - start
    grown = peak_kb() - before
    print(json.dumps({"seconds": seconds, "mb": grown / 1024, "verdict": verdict}))


def _child(path):
    done = subprocess.run(
        [sys.executable, __file__, "--one", str(path)], cwd=ROOT, capture_output=True, text=True
    )
    if done.returncode:
        sys.exit(done.stderr)
    return done.stdout


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--one":
        sys.path.insert(0, str(ROOT))
        return check_one(sys.argv[2])
    with tempfile.TemporaryDirectory(prefix="bench-evidence-") as tmp:
        print(f"{'file':<32} {'size':>8} {'time':>9} {'peak mem':>9}  verdict")
        for label, name, make in CASES:
            path = Path(tmp) / name
            path.write_bytes(make())
            runs = [json.loads(_child(path)) for _ in range(REPEAT)]
            seconds = statistics.median(r["seconds"] for r in runs)
            mb = statistics.median(r["mb"] for r in runs)
            size = path.stat().st_size / 1024
            print(
                f"{label:<32} {size:>6.0f} kB {seconds * 1000:>6.0f} ms {mb:>6.0f} MB  "
                f"{runs[0]['verdict'][:90]}"
            )


if __name__ == "__main__":
    main()
