import secrets

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from portal.models import User

DEMO_USERS = [
    {
        "email": "handlaggare@example.se",
        "full_name": "Sara Säkerhet",
        "role": User.Role.SAKERHETSHANDLAGGARE,
    },
    {
        "email": "fortroendevald@example.se",
        "full_name": "Anna Andersson",
        "party": "Exempelpartiet",
        "phone": "070-000 00 00",
        "role": User.Role.FORTROENDEVALD,
    },
]


class Command(BaseCommand):
    help = "Skapar två demokonton (säkerhetshandläggare och förtroendevald). Bara i debugläge."

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset", action="store_true", help="Ge befintliga demokonton nya lösenord."
        )

    def handle(self, *args, reset=False, **options):
        if not settings.DEBUG:
            raise CommandError("Demokonton skapas bara med DJANGO_DEBUG=1.")
        for fields in DEMO_USERS:
            user = User.objects.filter(email=fields["email"]).first()
            if user and not reset:
                self.stdout.write(
                    f"{fields['email']} finns redan "
                    "(nytt lösenord: manage.py create_demo_users --reset)."
                )
                continue
            password = secrets.token_urlsafe(12)
            if user is None:
                user = User.objects.create_user(password=password, **fields)
            else:
                user.set_password(password)
                user.save(update_fields=["password"])
            self.stdout.write(f"{user.get_role_display()}: {user.email}  lösenord: {password}")
