"""The secret key and the production settings, in real processes started with the environment
an operator would give them (settings are read once, at start)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from sscard.common.keys import PUBLISHED_SECRET_KEYS

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parent.parent
PUBLISHED = next(iter(PUBLISHED_SECRET_KEYS))
OWN_KEY = "k3y-of-our-own-" + "x" * 50
PRINT_KEY = (
    "import django; django.setup(); from django.conf import settings; "
    "print(settings.SECRET_KEY_SOURCE, settings.SECRET_KEY)"
)


def run(args: list[str], var_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SSCARD_", "DJANGO_", "PYTEST_", "EMAIL_"))
        and k
        not in {"SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "CSRF_TRUSTED_ORIGINS", "REDIS_URL"}
    }
    environ.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        SSCARD_VAR_DIR=str(var_dir),
        DATABASE_URL="",
        **env,
    )
    return subprocess.run(
        args, env=environ, cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )


def settings_of(var_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return run([str(BIN / "python"), "-c", PRINT_KEY], var_dir, **env)


def check_deploy(var_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return run([str(BIN / "sscard"), "check", "--deploy"], var_dir, **env)


PRODUCTION = {"SSCARD_DEBUG": "0", "ALLOWED_HOSTS": "sscard.example.gov.cn"}
# Where production sends its messages (the console backends would print them: sscard.W002/W003)
# and keeps its counters (sscard.W004 without Redis).
GATEWAYS = {
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "SSCARD_SMS_BACKEND": "http",
    "SSCARD_SMS_URL": "https://sms.example.gov.cn/send",
    "SSCARD_SMS_TOKEN": "t0ken",
    "EMAIL_BACKEND": "smtp",
    "EMAIL_HOST": "smtp.example.gov.cn",
}


def test_without_a_key_a_local_service_generates_one_once_and_keeps_it(tmp_path):
    first = settings_of(tmp_path)
    second = settings_of(tmp_path)

    assert first.returncode == 0, first.stderr
    source, key = first.stdout.split()
    assert source == "generated"
    assert key not in PUBLISHED_SECRET_KEYS
    assert len(key) >= 50
    assert second.stdout == first.stdout
    key_file = tmp_path / "secret_key"
    assert key_file.read_text().strip() == key
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir() if "secret" in p.name) == ["secret_key"]


def test_processes_starting_together_share_one_generated_key(tmp_path):
    environ = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    environ.update(SSCARD_VAR_DIR=str(tmp_path), DATABASE_URL="")
    environ.pop("SECRET_KEY", None)
    starts = [
        subprocess.Popen(
            [str(BIN / "python"), "-c", PRINT_KEY],
            env=environ,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    keys = {process.communicate(timeout=60)[0] for process in starts}

    assert len(keys) == 1
    assert keys.pop().split()[1] == (tmp_path / "secret_key").read_text().strip()


def test_a_different_var_directory_gets_a_different_key(tmp_path):
    one = settings_of(tmp_path / "one").stdout
    two = settings_of(tmp_path / "two").stdout

    assert one.startswith("generated ")
    assert two.startswith("generated ")
    assert one != two


@pytest.mark.parametrize(
    "hosts",
    ["sscard.example.gov.cn", "127.0.0.1,sscard.example.gov.cn", "*", "10.1.2.3"],
)
def test_production_refuses_to_start_without_a_key(tmp_path, hosts):
    started = settings_of(tmp_path, SSCARD_DEBUG="0", ALLOWED_HOSTS=hosts)

    assert started.returncode != 0
    assert "SecretKeyError: SECRET_KEY is not set" in started.stderr
    assert not (tmp_path / "secret_key").exists()


def test_production_refuses_to_start_on_the_published_key(tmp_path):
    started = settings_of(tmp_path, SECRET_KEY=PUBLISHED, **PRODUCTION)
    served = run([str(BIN / "sscard"), "check"], tmp_path, SECRET_KEY=PUBLISHED, **PRODUCTION)

    assert started.returncode != 0
    assert "SECRET_KEY is the key published in sscard's repository" in started.stderr
    assert served.returncode != 0
    assert "SECRET_KEY is the key published" in served.stderr


def test_production_starts_on_its_own_key(tmp_path):
    started = settings_of(tmp_path, SECRET_KEY=OWN_KEY, **PRODUCTION)

    assert started.returncode == 0, started.stderr
    assert started.stdout.split() == ["environment", OWN_KEY]
    assert not (tmp_path / "secret_key").exists()


@pytest.mark.parametrize(
    "env",
    [
        {"SSCARD_DEBUG": "1", "ALLOWED_HOSTS": "sscard.example.gov.cn"},
        {"SSCARD_DEBUG": "0", "ALLOWED_HOSTS": "localhost,127.0.0.1,[::1],app.localhost"},
    ],
)
def test_debug_or_local_hosts_only_are_not_production(tmp_path, env):
    started = settings_of(tmp_path, **env)

    assert started.returncode == 0, started.stderr
    assert started.stdout.startswith("generated ")


def test_deploy_check_refuses_the_published_key_anywhere(tmp_path):
    checked = check_deploy(tmp_path, SECRET_KEY=PUBLISHED)

    assert checked.returncode != 0
    assert "(sscard.E001) SECRET_KEY is the key published" in checked.stderr


def test_deploy_check_warns_about_a_generated_key(tmp_path):
    checked = check_deploy(tmp_path)

    assert checked.returncode == 0, checked.stderr
    assert "(sscard.W001) SECRET_KEY was generated on this machine" in checked.stderr


def test_production_settings_pass_the_deploy_check(tmp_path):
    checked = check_deploy(tmp_path, SECRET_KEY=OWN_KEY, **PRODUCTION, **GATEWAYS)

    assert checked.returncode == 0, checked.stderr
    lines = checked.stderr.splitlines()
    found = {line.split(")")[0].split("(")[-1] for line in lines if ": (" in line}
    # HSTS for subdomains and preloading are the operator's choice (README, production).
    assert found == {"security.W005", "security.W021"}


def test_production_with_every_hsts_choice_passes_the_deploy_check_silently(tmp_path):
    checked = check_deploy(
        tmp_path,
        SECRET_KEY=OWN_KEY,
        SSCARD_HSTS_INCLUDE_SUBDOMAINS="1",
        SSCARD_HSTS_PRELOAD="1",
        **PRODUCTION,
        **GATEWAYS,
    )

    assert checked.returncode == 0, checked.stderr
    assert "System check identified no issues" in checked.stdout


def test_the_deploy_check_warns_when_production_would_print_messages_or_count_alone(tmp_path):
    checked = check_deploy(tmp_path, SECRET_KEY=OWN_KEY, **PRODUCTION)

    assert checked.returncode == 0, checked.stderr
    assert "(sscard.W002) SSCARD_SMS_BACKEND is 'console'" in checked.stderr
    assert "(sscard.W003) EMAIL_BACKEND is 'console'" in checked.stderr
    assert "(sscard.W004) REDIS_URL is not set" in checked.stderr
