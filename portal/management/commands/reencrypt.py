"""Krypterar om: allt krypterat under den nyaste nyckeln i nyckelfilen.

After a new key has been put first in PORTAL_ENCRYPTION_KEYS_FILE (and the portal
restarted), this moves every encrypted field and evidence file to it, and encrypts anything
still in clear from before encryption. When it reports nothing left under an older key and
nothing unreadable, the older keys can be taken out of the file. See portal.reencryption for
how a row or a file is never left half done and why it can be stopped and run again.
"""

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError

from portal.crypto import keyring
from portal.reencryption import Counts, rewrite


class Command(BaseCommand):
    help = (
        "Krypterar om rapporternas text och bevisfilerna med den nyaste nyckeln i "
        "PORTAL_ENCRYPTION_KEYS_FILE. Kan avbrytas och köras igen."
    )

    def handle(self, *args, verbosity=1, **options):
        newest = keyring().newest.id.hex()
        self.stdout.write(f"Krypterar om med den nyaste nyckeln, {newest}.")
        progress = self.stdout.write if verbosity >= 2 else None
        counted = rewrite(apps.get_models(), progress=progress)
        total = Counts()
        for what, counts in counted.items():
            total.add(counts)
            self.stdout.write(
                f"  {what}: {counts.moved} omkrypterade, {counts.encrypted} krypterade från "
                f"klartext, {counts.current} redan klara, {len(counts.unreadable)} olästa"
            )
        for problem in total.unreadable:
            self.stderr.write(f"  kan inte läsas: {problem}")
        self.stdout.write(
            f"Totalt {total.moved} omkrypterade, {total.encrypted} krypterade från klartext, "
            f"{total.current} redan klara."
        )
        if total.unreadable:
            raise CommandError(
                f"{len(total.unreadable)} kunde inte läsas och lämnades som de var: en nyckel "
                "saknas i nyckelfilen, eller så är uppgifterna ändrade. Ta inte bort någon "
                "gammal nyckel förrän detta är löst.",
                returncode=1,
            )
        self.stdout.write(
            f"Allt är krypterat med nyckeln {newest}; äldre nycklar kan tas bort ur nyckelfilen."
        )
