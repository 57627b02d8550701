"""An important notice mailed to 10,000 officials: how long the security officer's press of
the button takes, side by side in one run,

- sending every mail in the request, as the portal did before the outbox (portal.mail.send
  to every official, which was all of the old request's work but a claim and a message);
- the same request today without a worker (the immediate backend, PORTAL_TASKS_BACKEND=
  immediate, as make run): the mails queued in the outbox and sent before the answer;
- the same request with the worker (the database backend, as in production): queued only;

and then the worker (django-tasks-db's db_worker) sending what the last request queued, in
mails a second. The mails go to Django's in-memory mail backend, so what is measured is the
portal's own work; a real mail server adds its own time to every mail, in the request in
the first two rows, in the worker in the last.

Run: .venv/bin/python bench/notice.py (SQLite in a temporary directory), or on PostgreSQL
with a scratch database: createdb portal_bench;
DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench .venv/bin/python bench/notice.py
"""

import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OFFICIALS = 10_000
REPEAT = 3
IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
DATABASE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
IN_MEMORY = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}


def main():
    database_url = os.environ.get("DATABASE_URL", "")
    if database_url and "bench" not in database_url:
        sys.exit("Kör bara mot en databas för mätningar (namnet ska innehålla 'bench').")
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_DEBUG"] = "1"
    os.environ.setdefault("PORTAL_VAR_DIR", tempfile.mkdtemp(prefix="bench-notice-"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings"
    import django

    django.setup()
    # Django's console logging in debug mode says each task's start and end.
    logging.getLogger("django.tasks").setLevel(logging.WARNING)
    from django.core import mail
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client, override_settings
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice
    from django_tasks_db.models import DBTaskResult

    from notices.models import Notice
    from portal import mail as portal_mail
    from portal.models import OutgoingMail, User

    call_command("migrate", verbosity=0)
    User.objects.filter(email__endswith="@bench.example").delete()
    User.objects.bulk_create(
        User(email=f"fv{i:05d}@bench.example", full_name=f"Förtroendevald {i}")
        for i in range(OFFICIALS)
    )
    officer = User.objects.create_user(
        "handlaggare@bench.example",
        full_name="Säkerhetshandläggare",
        role=User.Role.SAKERHETSHANDLAGGARE,
    )
    device = TOTPDevice.objects.create(user=officer, name="bench", confirmed=True)
    client = Client()
    client.force_login(officer)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    notice = Notice.objects.create(
        title="Hotbilden inför valet",
        body="Texten stannar i portalen.",
        importance=Notice.Importance.VIKTIG,
        status=Notice.Status.PUBLICERAD,
    )
    context = notice.mail_context()
    officials = list(User.objects.officials().order_by("email").values_list("email", flat=True))
    assert len(officials) >= OFFICIALS

    def afresh():
        Notice.objects.filter(pk=notice.pk).update(mailed_at=None, mailed_by=None)
        OutgoingMail.objects.all().delete()
        DBTaskResult.objects.all().delete()
        mail.outbox = []

    def press():
        response = client.post(f"/admin/notices/notice/{notice.pk}/skicka-e-post/")
        assert response.status_code == 302, response.status_code

    def timed(work, check):
        times = []
        for _ in range(REPEAT):
            afresh()
            start = time.perf_counter()
            work()
            times.append(time.perf_counter() - start)
            check()
        return statistics.median(times)

    def all_sent():
        assert len(mail.outbox) == len(officials), len(mail.outbox)

    def all_queued():
        assert mail.outbox == [] and OutgoingMail.objects.waiting().count() == len(officials)

    rows = []
    with override_settings(MAILERS=IN_MEMORY):
        with override_settings(TASKS=IMMEDIATE):
            rows.append(
                (
                    "sent in the request, as before (portal.mail.send)",
                    timed(lambda: portal_mail.send(Notice.MAIL, officials, context), all_sent),
                )
            )
            rows.append(("the request, no worker (queued and sent in it)", timed(press, all_sent)))
        with override_settings(TASKS=DATABASE):
            rows.append(("the request, with the worker (queued only)", timed(press, all_queued)))
            start = time.perf_counter()
            call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
            drained = time.perf_counter() - start
            all_sent()
            runs = DBTaskResult.objects.count()  # the one queued by the request, and the rest

    print(f"An important notice to {len(officials)} officials ({connection.vendor}):")
    for label, seconds in rows:
        print(f"  {label:<52} {seconds * 1000:>9.0f} ms  (median of {REPEAT})")
    print(
        f"  {'the worker sending what the last request queued':<52} {drained * 1000:>9.0f} ms  "
        f"= {len(officials) / drained:.0f} mails a second, in {runs} runs of the task"
    )


if __name__ == "__main__":
    main()
