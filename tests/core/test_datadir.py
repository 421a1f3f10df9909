"""Reading the settings writes nothing; the commands that start things make the data directory and key."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

from jingzhun.datadir import data_dir_prepare, secret_key_path


def test_reading_the_settings_creates_no_directory_and_no_key(tmp_path):
    target = tmp_path / "fresh"
    env = {**os.environ, "JINGZHUN_DATA_DIR": str(target), "DJANGO_SETTINGS_MODULE": "jingzhun.settings"}
    env.pop("JINGZHUN_SECRET_KEY", None)
    env.pop("JINGZHUN_PRODUCTION", None)
    code = "import django; django.setup(); from django.conf import settings; assert settings.SECRET_KEY"
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=120)  # noqa: S603 - our own interpreter
    assert not target.exists()


def test_the_data_directory_and_key_are_made_private_once(tmp_path, monkeypatch):
    monkeypatch.setenv("JINGZHUN_DATA_DIR", str(tmp_path / "fresh"))
    monkeypatch.delenv("JINGZHUN_SECRET_KEY", raising=False)
    directory = data_dir_prepare()
    key = secret_key_path(directory).read_text()
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    assert stat.S_IMODE(secret_key_path(directory).stat().st_mode) == 0o600
    data_dir_prepare()
    assert secret_key_path(directory).read_text() == key


def test_production_settings_without_a_key_refuse_to_start(tmp_path):
    env = {
        **os.environ,
        "JINGZHUN_DATA_DIR": str(tmp_path / "fresh"),
        "JINGZHUN_PRODUCTION": "1",
        "DJANGO_SETTINGS_MODULE": "jingzhun.settings",
    }
    env.pop("JINGZHUN_SECRET_KEY", None)
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "没有密钥" in result.stderr
