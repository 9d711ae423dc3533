"""`manage.py repair` as a Django command, for `manage.py help` and call_command().

Run from the shell, manage.py hands `repair` to repairapp.cli before Django starts;
both paths share the same parser and code.
"""

from django.core.management.base import BaseCommand, CommandError

from ... import cli


class Command(BaseCommand):
    help = cli.DESCRIPTION
    requires_system_checks: list = []

    def add_arguments(self, parser):
        cli.build_parser(parser)

    def handle(self, *args, **options):
        opts = cli.build_parser().parse_args([])
        for key, value in options.items():
            if hasattr(opts, key):
                setattr(opts, key, value)
        try:
            status = cli.run(opts, out=self.stdout, err=self.stderr)
        except cli.CliError as exc:
            raise CommandError(str(exc)) from None
        if status:
            raise CommandError("some files failed", returncode=status)
