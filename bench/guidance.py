"""Guidance speed, side by side in one run with the same server (gunicorn, two workers):

1. /under/ from Django against the same HTML served as a static file by WhiteNoise
   (goal: at least half the static file's requests per second);
2. the cached plan PDF (goal: median under 20 ms);
3. a cold render of the plan after an edit (goal: under 1.5 s), and a render in a new
   process including WeasyPrint's import.

Needs wrk (Debian: apt-get install wrk). Run: make bench, or .venv/bin/python bench/guidance.py
(SQLite in a temporary directory), or on PostgreSQL with a scratch database:
createdb portal_bench; DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench make bench
"""

import http.client
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
PORT = 8765
DURATION = os.environ.get("BENCH_DURATION", "5s")
ROUNDS = 3


def env_for(var_dir):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DJANGO_SECRET_KEY="bench-" + "x" * 50,
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="0",
        # Production requires https; the benchmark only reads pages over plain http.
        PORTAL_BASE_URL=f"https://127.0.0.1:{PORT}",
        PORTAL_VAR_DIR=str(var_dir),
    )
    return env


def manage(env, *args):
    subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True)


def get(path):
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
    conn.request("GET", path)
    response = conn.getresponse()
    body = response.read()
    conn.close()
    assert response.status == 200, (path, response.status)
    return body


def wrk(path):
    out = subprocess.run(
        ["wrk", "-t2", "-c8", f"-d{DURATION}", f"http://127.0.0.1:{PORT}{path}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "Non-2xx" not in out and "Socket errors" not in out, out
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def timed(path, n):
    times = []
    for _ in range(n):
        start = time.perf_counter()
        get(path)
        times.append(time.perf_counter() - start)
    return times


def main():
    if not shutil.which("wrk"):
        sys.exit("wrk saknas: apt-get install wrk")
    if "bench" not in os.environ.get("DATABASE_URL", "bench"):
        # The run edits a section to measure a cold render: never on a real database.
        sys.exit("DATABASE_URL måste vara en databas för mätningar (namnet ska innehålla bench).")
    var_dir = Path(tempfile.mkdtemp(prefix="portal-bench-"))
    env = env_for(var_dir)
    manage(env, "migrate", "--no-input")
    manage(env, "collectstatic", "--no-input")
    server = subprocess.Popen(
        [PY, "-m", "gunicorn", "portal.wsgi", "--workers", "2", "--bind", f"127.0.0.1:{PORT}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                get("/healthz")
                break
            except OSError:
                time.sleep(0.1)
        # The same HTML as a static file: written into STATIC_ROOT before the server
        # started would be needed for WhiteNoise's manifest, so restart once with it.
        html = get("/under/")
        (var_dir / "static" / "bench").mkdir(exist_ok=True)
        (var_dir / "static" / "bench" / "under.html").write_bytes(html)
        server.terminate()
        server.wait()
        server = subprocess.Popen(
            [PY, "-m", "gunicorn", "portal.wsgi", "--workers", "2", "--bind",
             f"127.0.0.1:{PORT}"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        for _ in range(100):
            try:
                get("/static/bench/under.html")
                break
            except (OSError, AssertionError):
                time.sleep(0.1)

        get("/under/")
        # Interleaved rounds, so that the machine's noise falls on both alike.
        rounds = [(wrk("/static/bench/under.html"), wrk("/under/")) for _ in range(ROUNDS)]
        static_rps = statistics.median(r[0] for r in rounds)
        page_rps = statistics.median(r[1] for r in rounds)
        home_rps = wrk("/")

        get("/handlingsplan.pdf")  # fills the shared PDF cache
        cached = timed("/handlingsplan.pdf", 200)

        cold = []
        for i in range(3):
            manage(
                env, "shell", "-c",
                "from guidance.models import Section; s = Section.objects.get(slug='direkt'); "
                f"s.body += ' '; s.save()  # bench {i}",
            )  # fmt: skip
            cold.append(timed("/handlingsplan.pdf", 1)[0])
    finally:
        server.terminate()
        server.wait()

    code = (
        "import time; t = time.perf_counter(); import django; django.setup();"
        "from django.core.cache import caches; caches['pdf'].clear();"
        "from django.test import Client;"
        "assert Client(HTTP_HOST='127.0.0.1').get('/handlingsplan.pdf').status_code == 200;"
        "print(time.perf_counter() - t)"
    )
    fresh = subprocess.run(
        [PY, "-c", code],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "portal.settings"},
        capture_output=True,
        text=True,
        check=True,
    )

    print(f"{'measure':<46}{'result':>14}  goal")
    print(f"{'static HTML via WhiteNoise (req/s)':<46}{static_rps:>14.0f}  baseline")
    print(f"{'/under/ from Django (req/s)':<46}{page_rps:>14.0f}  >= {static_rps / 2:.0f}")
    print(f"{'/ from Django (req/s)':<46}{home_rps:>14.0f}")
    print(f"{'/under/ : static':<46}{page_rps / static_rps:>14.2f}  >= 0.50")
    print("  rounds (static, /under/): " + ", ".join(f"({a:.0f}, {b:.0f})" for a, b in rounds))
    print(f"{'cached PDF, median (ms)':<46}{statistics.median(cached) * 1000:>14.1f}  < 20")
    print(f"{'cached PDF, 95th percentile (ms)':<46}"
          f"{statistics.quantiles(cached, n=20)[-1] * 1000:>14.1f}")  # fmt: skip
    print(f"{'PDF after an edit, warm worker (s)':<46}{max(cold):>14.2f}  < 1.5 (worst of 3)")
    fresh_s = float(fresh.stdout.strip().splitlines()[-1])
    print(f"{'PDF in a new process, with imports (s)':<46}{fresh_s:>14.2f}")
    shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
