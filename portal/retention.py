"""Gallring: each app deletes its own data that has passed its retention period, and
manage.py gallra runs them all in one transaction and says what went.

An app adds its sweep from its AppConfig.ready() with register(), as it adds its part of the
admin's Att göra, so that the portal knows none of them. A sweep is called as
sweep(now, dry_run) inside gallra's transaction; it counts what has passed its period,
deletes it unless dry_run, and returns a Swept."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings


@dataclass(frozen=True)
class Swept:
    """What one app's sweep deleted, or in a dry run would delete. The summary is logged, so
    it holds counts and references only, never what anything says."""

    # By kind, in the summary's words: {"utkast": 2}.
    counts: dict[str, int]
    # The periods behind them, for the summary's last line: ["utkast 90"].
    periods: list[str]
    # Deleted things named in the summary: {"rapporter": ["2026-0001"]}.
    named: dict[str, list[str]] = field(default_factory=dict)
    # What is kept although it should not be, said after the summary.
    warnings: list[str] = field(default_factory=list)


# sweep(now, dry_run)
type Sweep = Callable[[datetime, bool], Swept]

_sweeps: list[Sweep] = []


def register(sweep: Sweep) -> None:
    _sweeps.append(sweep)


def sweeps() -> list[Sweep]:
    return list(_sweeps)


def sweep_mail(now: datetime, dry_run: bool) -> Swept:
    """The portal's own: the outbox's rows of mail sent or given up (who got what kind of
    mail), and the worker's records of finished tasks (their arguments may hold an address)."""
    from django.tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from .models import OutgoingMail

    before = now - timedelta(days=settings.PORTAL_RETENTION_MAIL_DAYS)
    mails = OutgoingMail.objects.exclude(state=OutgoingMail.State.VANTAR).filter(
        created_at__lt=before
    )
    tasks = DBTaskResult.objects.filter(
        status__in=[TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED], finished_at__lt=before
    )
    counts = {"utgående e-post": mails.count(), "avslutade bakgrundsjobb": tasks.count()}
    if not dry_run:
        mails.delete()
        tasks.delete()
    return Swept(counts, periods=[f"utgående e-post {settings.PORTAL_RETENTION_MAIL_DAYS}"])
