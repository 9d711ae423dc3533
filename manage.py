#!/usr/bin/env python
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "repairapp.settings")
    if sys.argv[1:2] == ["repair"]:
        # The local repro tool needs neither Django nor its settings: it starts in a
        # third of the time without them (see repairapp/cli.py).
        from repairapp.cli import main

        sys.exit(main(sys.argv[2:]))
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
