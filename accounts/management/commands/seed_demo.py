from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.demo import DEMO_PASSWORD, describe, seed_demo_users


class Command(BaseCommand):
    help = "Create one demo user per role (local use only: the password is public)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--only-missing",
            action="store_true",
            help="Create missing demo users; leave existing ones' passwords alone.",
        )
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Run even with DEBUG off (demo passwords are public: never on a real site).",
        )

    def handle(self, *args, only_missing: bool, allow_production: bool, **options):
        if not settings.DEBUG and not allow_production:
            raise CommandError(
                "Refusing to create demo users with DEBUG off: their password is public. "
                "Use --allow-production only on a throw-away instance."
            )
        rows = seed_demo_users(reset_passwords=not only_missing)
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for spec, user, created in rows:
            mark = "created" if created else "exists"
            self.stdout.write(
                f"  {spec.username:<13} {spec.description} [{describe(user)}] ({mark})"
            )
