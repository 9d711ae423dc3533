#!/usr/bin/env python
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "repairapp.settings")
    if sys.argv[1:2] == ["repair"]:
        # The local repro tool serves nothing and touches no database, so it must not
        # demand the web server's production settings.
        os.environ.setdefault("SECRET_KEY", "offline-repair-command")
        os.environ.setdefault("ALLOWED_HOSTS", "localhost")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
