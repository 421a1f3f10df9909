"""`jingzhun check --deploy` with production settings reports nothing (a fresh process: settings are read at start)."""

import os
import subprocess
import sys


def _deploy_check(tmp_path, **extra):
    env = {
        **os.environ,
        "JINGZHUN_PRODUCTION": "1",
        "JINGZHUN_DATA_DIR": str(tmp_path / "data"),
        "JINGZHUN_SECRET_KEY": "k" * 10 + "Zq8-vTn3_pLw9RxYb2mHc7JfGs4KdQe6UaN1oPiXyBt5VhE0Wz",
        "JINGZHUN_ALLOWED_HOSTS": "jingzhun.example.gov.cn",
        **extra,
    }
    env.pop("JINGZHUN_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "jingzhun", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_settings_pass_the_deploy_check(tmp_path):
    result = _deploy_check(tmp_path)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues" in result.stdout


def test_production_settings_behind_a_tls_proxy_pass_the_deploy_check(tmp_path):
    result = _deploy_check(tmp_path, JINGZHUN_BEHIND_TLS_PROXY="1")
    assert result.returncode == 0, result.stderr + result.stdout


def test_turning_https_off_is_reported(tmp_path):
    result = _deploy_check(tmp_path, JINGZHUN_HTTPS="0")
    assert result.returncode != 0
    assert "security.W008" in result.stderr + result.stdout
