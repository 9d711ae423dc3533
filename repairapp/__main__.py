"""`python3 -m repairapp run` and `python3 -m repairapp test`: the README's two commands.

Standard library only: this runs before anything is installed. It creates `.venv`
beside manage.py, installs the project into it (again only when pyproject.toml
changed), then hands over to the venv's Python.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

from repairapp import localenv

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
PYTHON = VENV / "bin" / "python"


def ensure_venv(extras: str) -> None:
    if not PYTHON.exists():
        print(f"Creating the virtual environment in {VENV} ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    pyproject = (ROOT / "pyproject.toml").read_bytes()
    stamp = VENV / f".installed-{extras or 'base'}"
    digest = hashlib.sha256(pyproject).hexdigest()
    # The test extras include everything `run` needs, so either install serves `run`.
    done = [stamp] + ([VENV / ".installed-test"] if not extras else [])
    if any(path.exists() and path.read_text() == digest for path in done):
        return
    print("Installing repairapp and its dependencies (first run only) ...", flush=True)
    target = f".[{extras}]" if extras else "."
    subprocess.run([str(PYTHON), "-m", "pip", "install", "--quiet", "--upgrade", "pip"], check=True, cwd=ROOT)
    subprocess.run([str(PYTHON), "-m", "pip", "install", "--quiet", "-e", target], check=True, cwd=ROOT)
    stamp.write_text(digest)


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "run"
    rest = argv[1:]
    if command == "run":
        ensure_venv("")
        # A local demo: development settings (DEBUG, a generated SECRET_KEY) in a file
        # that manage.py reads, so the README's other commands work in another terminal.
        if localenv.write_local_env():
            print(f"Wrote the local settings to {localenv.LOCAL_ENV.relative_to(ROOT)} (DEBUG=1, a new SECRET_KEY)",
                  flush=True)
        os.execv(str(PYTHON), [str(PYTHON), str(ROOT / "manage.py"), "serve", *rest])
    if command == "test":
        ensure_venv("test")
        env = dict(os.environ)
        # The services this machine (and CI) runs; override either to test elsewhere.
        env.setdefault("DATABASE_URL", "postgres://root@127.0.0.1:5432/test")
        env.setdefault("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
        os.chdir(ROOT)
        os.execve(str(PYTHON), [str(PYTHON), "-m", "pytest", *rest], env)
    print("usage: python3 -m repairapp [run|test] [args...]", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
