"""The README's commands, run as a new user types them in a fresh copy of the repository:
`python3 -m repairapp run` (a SQLite file, its own embedded Redis, a real worker), then,
in "another terminal", every `.venv/bin/python manage.py ...` line of the README's code
blocks that has no placeholder in it, verbatim, with the files they name made first.

The copy is the repository's files (tracked and new, nothing ignored) in a temporary
folder with no ../shared beside it; its `.venv` is this one (a link), so the test does
not spend minutes installing. A fresh `git clone` with its own install is what
`.ci/run`'s test command itself starts from.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from repairapp.management.commands.serve import free_port
from tests.photos import scene_rgb, stroke_mask_png

ROOT = Path(__file__).resolve().parent.parent
# What a fresh shell has: none of the suite's settings.
SETTINGS_VARIABLES = ("DATABASE_URL", "REDIS_URL", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_SETTINGS_MODULE",
                      "MEDIA_ROOT", "TEST_DATABASE_URL", "TEST_REDIS_URL")
# A command with one of these is a pattern (`[--engine ...]`, `USERNAME`), not a command to type.
PLACEHOLDER = re.compile(r"[\[\]|<>]|\.\.\.|\b[A-Z]{2,}\b")


def readme_commands(text: str) -> list[str]:
    """Every manage.py command in the README's code blocks, continuation lines joined,
    comments dropped, in order; patterns with placeholders left out."""
    commands = []
    for block in re.findall(r"```(?:sh|bash)?\n(.*?)```", text, flags=re.S):
        for command in re.sub(r"\s*\\\n\s*", " ", block).splitlines():
            command = re.sub(r"\s+#.*$", "", command).strip()
            if command.startswith(".venv/bin/python manage.py ") and not PLACEHOLDER.search(command):
                commands.append(command)
    return commands


def test_readme_commands_are_found_and_only_concrete_ones():
    commands = readme_commands((ROOT / "README.md").read_text())
    assert ".venv/bin/python manage.py apitoken demo" in commands
    assert ".venv/bin/python manage.py repair --input damaged.jpg --mask mask.png --mode inpaint --out fixed.jpg" \
        in commands
    assert any(c.startswith(".venv/bin/python manage.py ingest ") and "--submit" in c for c in commands)
    assert readme_commands("```sh\n.venv/bin/python manage.py setrole USERNAME creator|admin\n"
                           ".venv/bin/python manage.py repair --input a.jpg \\\n    --out b.png  # a comment\n```") \
        == [".venv/bin/python manage.py repair --input a.jpg --out b.png"]


def _copy_of_the_repository(dest: Path) -> Path:
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                           capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, files):
        source = ROOT / name
        if source.is_file():  # a file deleted but not yet committed is listed too
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            (dest / name).write_bytes(source.read_bytes())
    (dest / ".venv").symlink_to(ROOT / ".venv")
    return dest


def _captioned(index: int) -> np.ndarray:
    """A scene with a timestamp burned in: what --find-text and remove_text are for."""
    rgb = np.ascontiguousarray(scene_rgb(index))
    cv2.putText(rgb, "2026-11-28 14:05", (40, 470), cv2.FONT_HERSHEY_SIMPLEX, 1.1, (255, 255, 255), 2, cv2.LINE_AA)
    return rgb


def _files_the_commands_name(home: Path) -> None:
    """photo.jpg, damaged.jpg, mask.png, photos/ and masks/ as the README's examples use them."""
    for name, index in (("photo.jpg", 0), ("damaged.jpg", 1)):
        Image.fromarray(_captioned(index)).save(home / name, quality=92)
    (home / "mask.png").write_bytes(stroke_mask_png(0))
    (home / "photos").mkdir()
    (home / "masks").mkdir()
    for index in range(3):
        Image.fromarray(_captioned(index)).save(home / "photos" / f"shot-{index}.jpg", quality=92)
        (home / "masks" / f"shot-{index}.png").write_bytes(stroke_mask_png(index))


def test_the_readme_commands_work_as_written_in_a_fresh_copy(tmp_path):
    home = _copy_of_the_repository(tmp_path / "repairapp")
    assert not (home.parent / "shared").exists()
    _files_the_commands_name(home)
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARIABLES}
    port = free_port()
    run = subprocess.Popen(["python3", "-m", "repairapp", "run", "--port", str(port)], cwd=home, env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        banner = []
        for line in run.stdout:
            banner.append(line)
            if "Ctrl-C stops" in line:
                break
        printed = "".join(banner)
        assert f"repairapp is running at http://127.0.0.1:{port}/" in printed, printed
        assert "Log in as  demo       / repair-demo-2026     (creator)" in printed
        assert "Traceback" not in printed
        local = (home / "var" / "local.env").read_text()
        assert "DEBUG=1" in local and re.search(r"^SECRET_KEY=\S{40,}$", local, flags=re.M)
        # A production server (WSGI) never reads that file: its settings are given explicitly.
        wsgi = subprocess.run([".venv/bin/python", "-c", "import repairapp.wsgi"], cwd=home, env=env,
                              capture_output=True, text=True, timeout=120)
        assert wsgi.returncode != 0 and "SECRET_KEY must be set when DEBUG is off" in wsgi.stderr

        commands = readme_commands((home / "README.md").read_text())
        for command in commands:
            result = subprocess.run(shlex.split(command), cwd=home, env=env, capture_output=True, text=True,
                                    timeout=600)
            assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
            assert "Traceback" not in result.stderr, f"{command}\n{result.stderr}"
            if " apitoken demo" in command:
                assert re.fullmatch(r"rpr_\S+\n", result.stdout.splitlines(keepends=True)[-1]), result.stdout
            if command.endswith("--out fixed.jpg"):
                assert Image.open(home / "fixed.jpg").format == "JPEG"
            if " ingest " in command and "--submit" in command:
                # The run's own worker did the repairs (through the Redis the run started).
                assert "3 succeeded, 0 failed" in result.stdout and "3 submitted for review" in result.stdout
    finally:
        run.send_signal(signal.SIGTERM)  # the run stops its web server, worker and Redis
        try:
            run.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(run.pid, signal.SIGKILL)
            run.wait()
    assert not (home / "var" / "run.json").exists()  # the embedded Redis is forgotten with the run
