"""The security officers' admin at a national deployment's size: the report list, searches
by reference, reporter's name and e-mail, a report's change page, the statistics and
the admin's start page, each at 1,000 sent reports and at 1,000,000 in the same run, side by
side with the ratio. Goal: every page under 200 ms (median) at the larger size, and the same
number of queries at both sizes.

It makes a fresh PostgreSQL database (its name must contain "bench"), migrates it, and fills
it with set-based SQL (generate_series): some thousands of officials, twenty security
officers, reports spread over ten years with a realistic mix of kinds, ways, status,
severity, handlers, police reports and consequences, and the triage history that goes with
them. The pages are asked through Django's test client, logged in as a security officer
with a verified second factor, as the officers use them. The reports are written past the
portal's verbs, so the statistics' counts per year (incidents.counts) are counted again from
them after each filling, as an operator does after an import (manage.py recount_statistics).
SQL can't encrypt, so the reports' text is filled in clear, as if written before encryption
(portal.crypto reads it as it is): what decrypting costs is measured by bench/crypto.py.

Run: make bench, or .venv/bin/python bench/admin.py [SIZES], e.g. bench/admin.py 1000,100000.
The server: BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/postgres) and
BENCH_DATABASE (default portal_bench_admin). BENCH_KEEP=1 keeps the database afterwards;
bench/admin.py --reuse measures a kept database again (after migrating it) without filling.
"""

# The filling SQL is put together from this file's own constants, never from outside input.
# ruff: noqa: S608

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
SIZES = [1_000, 1_000_000]
REPEAT = 9
OFFICIALS = 5_000
OFFICERS = 20
YEARS = 10

SERVER = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
DATABASE = os.environ.get("BENCH_DATABASE", "portal_bench_admin")


def database_url(name):
    parts = urlsplit(SERVER)
    return urlunsplit(parts._replace(path="/" + name))


def fresh_database():
    import psycopg

    if "bench" not in DATABASE:
        sys.exit("Kör bara mot en databas för mätningar (namnet ska innehålla 'bench').")
    try:
        with psycopg.connect(SERVER, autocommit=True) as server:
            server.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
            server.execute(f'CREATE DATABASE "{DATABASE}"')
    except psycopg.OperationalError as e:
        sys.exit(f"bench/admin.py behöver PostgreSQL (BENCH_POSTGRES_URL={SERVER}): {e}")


def main():
    reuse = "--reuse" in sys.argv
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    sizes = [int(s) for s in args[0].split(",")] if args else SIZES
    if not reuse:
        fresh_database()
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_DEBUG"] = "1"
    os.environ["DATABASE_URL"] = database_url(DATABASE)
    os.environ.setdefault("PORTAL_VAR_DIR", tempfile.mkdtemp(prefix="bench-admin-"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the test client's host, and the mail kept in memory
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"Migrerad på {time.perf_counter() - started:.1f} s")

    from incidents.models import Incident

    results = {}
    if reuse:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")  # the statistics of indexes just made
        size = Incident.objects.submitted().count()
        results[size] = measure(officer_client())
        report(results)
        return
    fill_people()
    client = officer_client()
    for size in sizes:
        started = time.perf_counter()
        fill_reports(size)
        print(f"{size:>9} rapporter: fyllt på {time.perf_counter() - started:.1f} s")
        results[size] = measure(client)
    report(results)
    if os.environ.get("BENCH_KEEP") != "1":
        from django.db import connections

        connections.close_all()
        import psycopg

        with psycopg.connect(SERVER, autocommit=True) as server:
            server.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')


# Filling


def sql_text(value):
    return "'" + value.replace("'", "''") + "'"


def pick(weighted, r):
    """A CASE choosing among (SQL text, weight) by the uniform random value r."""
    total = sum(w for _, w in weighted)
    branches, upto = [], 0.0
    for value, weight in weighted[:-1]:
        upto += weight / total
        branches.append(f"WHEN {r} < {upto:.6f} THEN {value}")
    return f"(CASE {' '.join(branches)} ELSE {weighted[-1][0]} END)"


def one_of(values, r):
    array = ", ".join(sql_text(v) for v in values)
    return f"((ARRAY[{array}])[1 + floor({r} * {len(values)})::int])"


def insert_select(model, rows_sql, values, params=()):
    """INSERT INTO the model's table SELECT values FROM rows_sql. Columns not given get the
    field's default, so that a field added later does not break the bench."""
    from django.db import connection

    columns, exprs, defaults = [], [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(connection.ops.quote_name(field.column))
        if field.name in values:
            exprs.append(values[field.name])
        else:
            exprs.append("%s")
            default = field.get_default() if field.has_default() or not field.null else None
            defaults.append(field.get_db_prep_save(default, connection))
    sql = (
        f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({', '.join(columns)}) "
        f"SELECT {', '.join(exprs)} FROM {rows_sql}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*defaults, *params])


FIRST_NAMES = [
    "Anna", "Eva", "Maria", "Karin", "Sara", "Lena", "Kerstin", "Emma", "Ingrid", "Malin",
    "Sofia", "Linnea", "Elin", "Marie", "Johanna", "Lars", "Mikael", "Anders", "Johan", "Erik",
    "Per", "Karl", "Peter", "Thomas", "Jan", "Daniel", "Fredrik", "Hans", "Andreas", "Stefan",
    "Ahmed", "Fatima", "Ali", "Mohammed", "Leila", "Nils", "Olof", "Gunnar", "Åsa", "Örjan",
]  # fmt: skip
SURNAMES = [
    "Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson",
    "Persson", "Svensson", "Gustafsson", "Pettersson", "Jonsson", "Jansson", "Hansson",
    "Bengtsson", "Jönsson", "Lindberg", "Jakobsson", "Magnusson", "Olofsson", "Lindström",
    "Lindqvist", "Lindgren", "Axelsson", "Berg", "Bergström", "Lundberg", "Lind", "Lundgren",
    "Lundqvist", "Mattsson", "Berglund", "Fredriksson", "Sandberg", "Henriksson", "Forsberg",
    "Sjöberg", "Wallin", "Engström", "Danielsson", "Håkansson", "Eklund", "Lundin", "Gunnarsson",
    "Holm", "Bergman", "Samuelsson", "Fransson", "Nyström", "Holmberg", "Ali", "Mohammadi",
]  # fmt: skip
TOWNS = [
    "Nyköping", "Eskilstuna", "Katrineholm", "Strängnäs", "Flen", "Oxelösund", "Trosa",
    "Gnesta", "Vingåker", "Torshälla", "Mariefred", "Malmköping", "Stockholm", "Göteborg",
    "Malmö", "Uppsala", "Västerås", "Örebro", "Linköping", "Norrköping", "Jönköping", "Umeå",
    "Luleå", "Sundsvall", "Gävle", "Karlstad", "Växjö", "Halmstad", "Kalmar", "Visby",
    "Östersund", "Falun", "Borås", "Helsingborg", "Lund", "Kristianstad", "Skövde", "Kiruna",
]  # fmt: skip
VENUES = [
    "kommunhuset", "fullmäktigesalen", "torget", "stationen", "utanför bostaden", "Facebook",
    "X (Twitter)", "Instagram", "e-post", "partilokalen", "ett medborgarmöte", "Storgatan",
    "regionhuset", "skolan", "affären", "valstugan",
]  # fmt: skip
PARTIES = ["S", "M", "SD", "C", "V", "KD", "L", "MP", ""]


def fill_people():
    """The officials who report and the security officers who handle the reports."""
    from django.contrib.auth.models import Group
    from django.db import connection

    from portal.models import SECURITY_OFFICERS, User

    group = Group.objects.get(name=SECURITY_OFFICERS)
    for n in range(OFFICERS):
        officer = User.objects.create_user(
            f"handlaggare{n}@region.example",
            None,
            full_name=f"Handläggare {n} Säkerhet",
            role=User.Role.SAKERHETSHANDLAGGARE,
            is_staff=True,
        )
        officer.groups.add(group)
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.42)")
    first = one_of(FIRST_NAMES, "g.r1")
    last = one_of(SURNAMES, "g.r2")
    insert_select(
        User,
        "(SELECT i, random() AS r1, random() AS r2, random() AS r3 "
        "FROM generate_series(1, %s) AS i) AS g",
        {
            "password": "'!'",
            "email": f"translate(lower({first} || '.' || {last}), 'åäöé', 'aaoe') "
            "|| g.i || '@kommun.example'",
            "full_name": f"{first} || ' ' || {last}",
            "phone": "'070-' || lpad(mod(g.i, 1000000)::text, 7, '0')",
            "party": one_of(PARTIES, "g.r3"),
            "role": sql_text(User.Role.FORTROENDEVALD),
            "is_active": "true",
            "is_staff": "false",
            "is_superuser": "false",
            "date_joined": "now() - (g.r3 * interval '10 years')",
        },
        [OFFICIALS],
    )


def fill_reports(size):
    """Sent reports up to `size` (and one draft in a hundred beside them), spread over ten
    years in the order they came in, with their triage history."""
    from django.db import connection

    from incidents.counts import recount
    from incidents.models import Incident, TriageChange
    from portal.models import User

    have = Incident.objects.count()
    want = round(size * 1.01)  # drafts too, which the officers never see
    if want <= have:
        return
    officers = list(User.objects.security_officers().values_list("pk", flat=True))
    officials = list(User.objects.officials().values_list("pk", flat=True))
    first_official, last_official = min(officials), max(officials)
    kinds = pick(
        [
            ("'[\"hat\"]'", 38), ("'[\"hot\"]'", 22), ("'[\"hot\", \"hat\"]'", 15),
            ("'[\"skadegorelse\"]'", 5), ("'[\"vald\"]'", 2), ("'[\"hot\", \"vald\"]'", 2),
            ("'[\"stold\"]'", 2), ("'[\"annat\"]'", 8), ("'[\"hat\", \"annat\"]'", 3),
            ("'[\"hot\", \"skadegorelse\"]'", 3),
        ],
        "g.r_kind",
    )  # fmt: skip
    consequences = pick(
        [
            ("'[]'", 35), ("'[\"oro\"]'", 30), ("'[\"oro\", \"avstatt_fraga\"]'", 8),
            ("'[\"oro\", \"avstatt_mote\"]'", 7), ("'[\"avstatt_fraga\"]'", 4),
            ("'[\"oro\", \"familj\"]'", 8),
            ("'[\"oro\", \"avstatt_fraga\", \"avstatt_mote\"]'", 3), ("'[\"familj\"]'", 2),
            ("'[\"annat\"]'", 3),
        ],
        "g.r_cons",
    )  # fmt: skip
    channel = pick(
        [
            ("'sociala_medier'", 38), ("'epost_sms'", 27), ("'fysiskt'", 15),
            ("'telefon'", 10), ("'brev'", 5), ("'annat'", 5),
        ],
        "g.r_chan",
    )  # fmt: skip
    timing = pick([("'har_hant'", 80), ("'pagar'", 15), ("'aviserat'", 5)], "g.r_time")
    known = pick([("'ja'", 35), ("'nej'", 55), ("''", 10)], "g.r_known")
    police = pick([("'gjord'", 22), ("'planerad'", 5), ("'nej'", 63), ("''", 10)], "g.r_pol")
    # Old reports are closed; the newest are still being handled.
    status = (
        "(CASE WHEN h.submitted_at IS NULL THEN 'ny' "
        "WHEN h.age > interval '90 days' THEN "
        + pick([("'avslutad'", 96), ("'atgarder_pagar'", 2), ("'under_bedomning'", 2)], "h.r_st")
        + " WHEN h.age > interval '14 days' THEN "
        + pick(
            [
                ("'avslutad'", 60),
                ("'atgarder_pagar'", 25),
                ("'under_bedomning'", 10),
                ("'ny'", 5),
            ],
            "h.r_st",
        )  # fmt: skip
        + " ELSE "
        + pick(
            [("'avslutad'", 10), ("'atgarder_pagar'", 20), ("'under_bedomning'", 30), ("'ny'", 40)],
            "h.r_st",
        )
        + " END)"
    )
    severity = pick([("'lag'", 50), ("'mattlig'", 35), ("'hog'", 15)], "g.r_sev")
    during = (
        "'Under mötet sa personen att hen visste var jag bor och att det skulle få följder. ' "
        "|| repeat('Hen upprepade det flera gånger och följde efter mig ut. ', "
        "1 + floor(g.r_len * 5)::int) || md5(g.i::text)"
    )
    officer_array = "ARRAY[" + ", ".join(str(pk) for pk in officers) + "]::bigint[]"
    before_id = _max_id(Incident)
    start_i = have + 1
    count = want - have
    # The base draws, the time each report was sent, then what follows from its status.
    rows = f"""(
      SELECT h.*, {status} AS status,
             h.submitted_at + (h.r_tri ^ 2) * interval '7 days' AS triaged_at
      FROM (
       SELECT h0.*, now() - h0.submitted_at AS age FROM (
        SELECT g0.*,
               CASE WHEN g0.r_draft < 0.0099 THEN NULL
                    ELSE now() - interval '{YEARS} years'
                         + ((g0.i - {start_i}) + g0.r_jit) / {count}::float
                           * (interval '{YEARS} years' - interval '1 hour')
               END AS submitted_at
        FROM (
          SELECT i, random() AS r_kind, random() AS r_cons, random() AS r_chan,
                 random() AS r_time, random() AS r_known, random() AS r_pol, random() AS r_st,
                 random() AS r_sev, random() AS r_tri, random() AS r_close, random() AS r_draft,
                 random() AS r_jit, random() AS r_len, random() AS r_rep, random() AS r_off,
                 random() AS r_place, random() AS r_venue, random() AS r_fail
          FROM generate_series({start_i}, {want}) AS i
        ) AS g0
       ) AS h0
      ) AS h
    ) AS g"""
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(%s)", [0.1 + (have % 1000) / 2000])
    closed = "g.triaged_at + (interval '1 hour' + g.r_close * interval '60 days')"
    insert_select(
        Incident,
        rows,
        {
            "reporter": f"{first_official} + floor(g.r_rep * {last_official - first_official})"
            "::bigint",
            "reference": "CASE WHEN g.submitted_at IS NULL THEN NULL ELSE 'HHV-' || "
            "extract(year FROM g.submitted_at AT TIME ZONE 'Europe/Stockholm') || '-' || "
            "lpad(g.i::text, greatest(4, length(g.i::text)), '0') END",
            "status": "g.status",
            "submission_token": "gen_random_uuid()",
            "submitted_at": "g.submitted_at",
            "kinds": f"{kinds}::jsonb",
            "channel": channel,
            "timing": timing,
            "occurred_on": "(coalesce(g.submitted_at, now()) - g.r_jit * interval '5 days')::date",
            "occurred_time": "time '08:00' + g.r_jit * interval '14 hours'",
            "place": one_of(TOWNS, "g.r_place") + " || ', ' || " + one_of(VENUES, "g.r_venue"),
            "before": "'Jag hade just lämnat ett möte i fullmäktige om en omstridd fråga.'",
            "during": during,
            "actions": "'Jag gick därifrån och berättade för gruppledaren.'",
            "perpetrator_known": known,
            "perpetrator_description": "'Man i 40-årsåldern, mörk jacka.'",
            "witnesses": "CASE WHEN g.r_len < 0.3 THEN 'En kollega var med.' ELSE '' END",
            "police_report": police,
            "police_report_number": f"CASE WHEN {police} = 'gjord' THEN '5000-K' || g.i "
            "ELSE '' END",
            "consequences": f"{consequences}::jsonb",
            "may_contact": "g.r_len < 0.85",
            "contact_how": "'Ring mig helst på dagtid.'",
            "created_at": "coalesce(g.submitted_at, now()) - g.r_jit * interval '2 days'",
            "updated_at": f"CASE WHEN g.status = 'avslutad' THEN LEAST(now(), {closed}) "
            "WHEN g.status = 'ny' THEN coalesce(g.submitted_at, now()) "
            "ELSE LEAST(now(), g.triaged_at) END",
            "notification_failed_at": "CASE WHEN g.r_fail < 0.002 THEN g.submitted_at END",
            "severity": f"CASE WHEN g.status = 'ny' THEN '' ELSE {severity} END",
            "handler": f"CASE WHEN g.status = 'ny' AND g.r_off < 0.7 THEN NULL "
            f"ELSE ({officer_array})[1 + floor(g.r_off * {len(officers)})::int] END",
            "next_follow_up": "CASE WHEN g.status IN ('under_bedomning', 'atgarder_pagar') "
            "THEN (g.submitted_at + (14 + g.r_close * 30) * interval '1 day')::date END",
            "closing_summary": "CASE WHEN g.status = 'avslutad' "
            "THEN 'Samtal med den som rapporterat; inga fler händelser.' ELSE '' END",
            "first_triaged_at": "CASE WHEN g.status = 'ny' THEN NULL "
            "ELSE LEAST(now(), g.triaged_at) END",
            "closed_at": f"CASE WHEN g.status = 'avslutad' THEN LEAST(now(), {closed}) END",
            "version": "CASE g.status WHEN 'ny' THEN 0 WHEN 'avslutad' THEN 2 ELSE 1 END",
        },
    )
    # The history of each report that has been triaged (and closed) in this batch.
    new = f"(SELECT * FROM incidents_incident WHERE id > {before_id}) AS n"
    insert_select(
        TriageChange,
        new + " WHERE n.first_triaged_at IS NOT NULL",
        {
            "incident": "n.id",
            "changed_by": "n.handler_id",
            "changed_at": "n.first_triaged_at",
            "field": "'status'",
            "old_value": "'Ny'",
            "new_value": "'Under bedömning'",
            "version": "1",
        },
    )
    insert_select(
        TriageChange,
        new + " WHERE n.closed_at IS NOT NULL",
        {
            "incident": "n.id",
            "changed_by": "n.handler_id",
            "changed_at": "n.closed_at",
            "field": "'status'",
            "old_value": "'Under bedömning'",
            "new_value": "'Avslutad'",
            "version": "2",
        },
    )
    started = time.perf_counter()
    recount(Incident.objects.all(), rebuild=True)
    counted = time.perf_counter() - started
    print(f"{'':>9} statistikens antal räknade från rapporterna på {counted:.1f} s")
    with connection.cursor() as cursor:
        # What autovacuum does for a table this size in production, done now so that the
        # first measurements are not of a table the server has not looked at yet.
        cursor.execute("VACUUM ANALYZE")


def _max_id(model):
    return model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


# Measuring


def officer_client():
    from django.contrib.auth.models import Group
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from portal.models import SECURITY_OFFICERS, User

    officer = User.objects.get(email="handlaggare0@region.example")
    assert officer.groups.filter(pk=Group.objects.get(name=SECURITY_OFFICERS).pk).exists()
    device, _ = TOTPDevice.objects.get_or_create(user=officer, name="bench", confirmed=True)
    client = Client(raise_request_exception=True)
    client.force_login(officer)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def pages():
    """The pages to ask for, chosen among the reports there are now: one sent in the middle
    of the period, its reporter, and a year in the middle."""
    from django.utils import timezone

    from incidents.models import Incident

    sent = Incident.objects.submitted().order_by("pk")
    middle = sent[sent.count() // 2]
    year = timezone.localtime(middle.submitted_at).year
    base = "/admin/incidents/incident/"
    return [
        ("lista", base),
        ("sök referens", f"{base}?{urlencode({'q': middle.reference})}"),
        ("sök namn", f"{base}?{urlencode({'q': middle.reporter.full_name})}"),
        ("sök e-post", f"{base}?{urlencode({'q': middle.reporter.email})}"),
        ("filter status", f"{base}?status__exact=under_bedomning"),
        ("rapport", f"{base}{middle.pk}/change/"),
        ("statistik", f"{base}statistik/?{urlencode({'ar': year})}"),
        ("start", "/admin/"),
    ]


def measure(client):
    """Per page: the median time of the whole request, the median time the database took
    (as Django's query log measures it), and the number of queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    measured = {}
    for name, url in pages():
        response = client.get(url)  # warm: the first request pays for imports and plans
        assert response.status_code == 200, (name, url, response.status_code)
        times, sql_times, counts = [], [], set()
        for _ in range(REPEAT):
            with CaptureQueriesContext(connection) as queries:
                start = time.perf_counter()
                client.get(url)
                times.append((time.perf_counter() - start) * 1000)
            sql_times.append(sum(float(q["time"]) for q in queries.captured_queries) * 1000)
            counts.add(len(queries))
        measured[name] = (statistics.median(times), statistics.median(sql_times), max(counts))
    return measured


def report(results):
    sizes = sorted(results)
    head = f"{'sida':<14}" + "".join(f"{f'{s:,} rapporter':>31}" for s in sizes)
    if len(sizes) == 2:
        head += f"{'kvot':>7}"
    print(head)
    print(f"{'':<14}" + f"{'totalt':>11}{'varav SQL':>12}{'frågor':>8}" * len(sizes))
    for name in results[sizes[0]]:
        row = f"{name:<14}"
        for size in sizes:
            ms, sql_ms, queries = results[size][name]
            row += f"{ms:>8.0f} ms{sql_ms:>9.0f} ms{queries:>8}"
        if len(sizes) == 2:
            row += f"{results[sizes[1]][name][0] / results[sizes[0]][name][0]:>6.1f}x"
        print(row)
    with open("/proc/loadavg") as loadavg:
        load = loadavg.read().split()[0]
    print(
        f"(PostgreSQL, median av {REPEAT} anrop med Djangos testklient, inloggad "
        f"säkerhetshandläggare; maskinens belastning nu {load})"
    )


if __name__ == "__main__":
    main()
