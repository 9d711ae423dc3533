from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from ...roles import ROLES, set_role


class Command(BaseCommand):
    help = "Give USERNAME a role: creator, moderator or admin. Creates nothing else."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("role", choices=ROLES)

    def handle(self, *args, username: str, role: str, **options):
        User = get_user_model()
        try:
            user = User.objects.get(username=username)
        except User.DoesNotExist:
            raise CommandError(f"no user named {username!r}") from None
        previous = set_role(user, role)
        self.stdout.write(f"{username}: {previous} -> {role}")
