"""Make an API token for a user and print it (the only time it can be read).

    python manage.py apitoken USERNAME [--name "nightly import"]
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from ...tokens import token_create


class Command(BaseCommand):
    help = "Create an API token for USERNAME and print it. Revoke it on /settings/tokens or in Django admin."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="what the token is for (shown in the token list)")

    def handle(self, *args, username: str, name: str, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user named {username!r}")
        if not user.is_active:
            raise CommandError(f"{username} is not active: a token would not work")
        token, secret = token_create(user=user, name=name or "manage.py apitoken")
        self.stderr.write(f"Token {token.prefix}… for {username}; it is shown only now:")
        self.stdout.write(secret)
