#!/usr/bin/env python
import os
import sys

if __name__ == "__main__":
    # The run command's local settings (var/local.env: DEBUG and a generated SECRET_KEY)
    # and its embedded Redis, for commands typed in another terminal; the environment wins.
    from repairapp import localenv

    localenv.load(for_serve=sys.argv[1:2] == ["serve"])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "repairapp.settings")
    if sys.argv[1:2] == ["repair"]:
        # The local repro tool needs neither Django nor its settings: it starts in a
        # third of the time without them (see repairapp/cli.py).
        from repairapp.cli import main

        sys.exit(main(sys.argv[2:]))
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
