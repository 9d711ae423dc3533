"""repairapp/localenv.py: the local run's settings file and its embedded Redis record."""

import os
import stat
import subprocess
import sys

import pytest

from repairapp import localenv


def test_the_local_settings_are_written_once_for_this_user_only(tmp_path):
    path = tmp_path / "var" / "local.env"
    assert localenv.write_local_env(path) is True
    values = localenv.read_env_file(path)
    assert values["DEBUG"] == "1" and len(values["SECRET_KEY"]) >= 50
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert localenv.write_local_env(path) is False  # never replaced: sessions stay valid
    assert localenv.read_env_file(path) == values
    other = tmp_path / "other.env"
    localenv.write_local_env(other)
    assert localenv.read_env_file(other)["SECRET_KEY"] != values["SECRET_KEY"]


def test_a_bad_line_is_named(tmp_path):
    path = tmp_path / "local.env"
    path.write_text("# fine\nDEBUG=1\nthis is not a setting\n")
    with pytest.raises(SystemExit, match=r"local.env:3: expected KEY=VALUE, got 'this is not a setting'"):
        localenv.read_env_file(path)


def test_the_environment_wins_over_the_file(tmp_path, monkeypatch):
    path = tmp_path / "local.env"
    path.write_text("DEBUG=1\nSECRET_KEY=from-the-file\n")
    monkeypatch.setattr(localenv, "LOCAL_ENV", path)
    monkeypatch.setattr(localenv, "RUN_STATE", tmp_path / "run.json")
    monkeypatch.setenv("DEBUG", "0")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    localenv.load()
    assert os.environ["DEBUG"] == "0" and os.environ["SECRET_KEY"] == "from-the-file"


def test_the_running_serves_redis_is_found_and_a_dead_ones_is_not(tmp_path, monkeypatch):
    path = tmp_path / "run.json"
    localenv.record_running_redis("redis://127.0.0.1:6390/0", path)
    assert localenv.running_redis_url(path) == "redis://127.0.0.1:6390/0"  # this process is alive
    localenv.record_running_redis("redis://127.0.0.1:6391/0", path)  # a second serve does not take over
    assert localenv.running_redis_url(path) == "redis://127.0.0.1:6390/0"

    monkeypatch.setattr(localenv, "LOCAL_ENV", tmp_path / "none.env")
    monkeypatch.setattr(localenv, "RUN_STATE", path)
    monkeypatch.delenv("REDIS_URL", raising=False)
    localenv.load(for_serve=True)  # serve starts its own
    assert "REDIS_URL" not in os.environ
    localenv.load()
    assert os.environ["REDIS_URL"] == "redis://127.0.0.1:6390/0"

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    path.write_text(f'{{"pid": {int(dead.stdout)}, "redis_url": "redis://127.0.0.1:6392/0"}}')
    assert localenv.running_redis_url(path) is None  # left behind by a killed serve
    localenv.forget_running_redis(path)
    assert path.exists()  # not this process's record: left alone
    localenv.record_running_redis("redis://127.0.0.1:6393/0", path)
    localenv.forget_running_redis(path)
    assert not path.exists()
