"""The training overview at the region's size and ten times it, side by side in one run
with a baseline: reading the same officials in one query and doing nothing with them.

For each size: the overview (every official against every published module), its CSV and
its XLSX file, as medians of repeated runs, and the number of queries the overview asks
(goal: the same whatever the number of officials).

Run: .venv/bin/python bench/training.py (SQLite in a temporary directory), or on
PostgreSQL with a scratch database: createdb portal_bench;
DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench .venv/bin/python bench/training.py
"""

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZES = [400, 4000]  # a region has some hundreds of elected officials
REPEAT = 7


def median_ms(fn):
    times = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main():
    database_url = os.environ.get("DATABASE_URL", "")
    if database_url and "bench" not in database_url:
        sys.exit("Kör bara mot en databas för mätningar (namnet ska innehålla 'bench').")
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_DEBUG"] = "1"
    os.environ.setdefault("PORTAL_VAR_DIR", tempfile.mkdtemp(prefix="bench-training-"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from portal.models import User
    from training.models import Completion, TrainingModule
    from training.overview import _csv_response, _xlsx_response, completion_overview

    call_command("migrate", verbosity=0)
    modules = list(TrainingModule.objects.published())
    print(f"{'officials':>9}  {'baseline':>9}  {'overview':>9}  {'CSV':>9}  {'XLSX':>9}  queries")
    for size in SIZES:
        Completion.objects.all().delete()
        User.objects.filter(email__endswith="@bench.example").delete()
        people = User.objects.bulk_create(
            User(email=f"fv{i}@bench.example", full_name=f"Förtroendevald {i}", party="Parti")
            for i in range(size)
        )
        now = timezone.now()
        Completion.objects.bulk_create(
            Completion(user=person, module=module, completed_at=now)
            for i, person in enumerate(people)
            for j, module in enumerate(modules)
            if (i + j) % 3  # two in three have done each module
        )

        def baseline():
            list(User.objects.officials().values_list("full_name", "email", "party", "date_joined"))

        with CaptureQueriesContext(connection) as queries:
            completion_overview()
        row = [
            median_ms(baseline),
            median_ms(completion_overview),
            median_ms(lambda: _csv_response(completion_overview())),
            median_ms(lambda: _xlsx_response(completion_overview())),
        ]
        cells = "  ".join(f"{ms:>6.1f} ms" for ms in row)
        print(f"{size:>9}  {cells}  {len(queries)}")
    print(f"({connection.vendor}, {len(modules)} modules, median of {REPEAT} runs)")


if __name__ == "__main__":
    main()
