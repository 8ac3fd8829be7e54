"""Production settings pass Django's deployment checks, and refuse to start unsafe."""

import os
import subprocess
import sys

from tests.conftest import ROOT

PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "k3y-" + "x7Pq9sLm2vRt8wZc" * 4,
    "ALLOWED_HOSTS": "reactivate.example.org",
    "PUBLIC_BASE_URL": "https://reactivate.example.org",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/reactivate",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "ANYMAIL_WEBHOOK_SECRET": "sendgrid:" + "Wq4rT8yZ" * 4,
}


def _manage(*args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_passes_with_production_values():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_without_secret_key_refuses_to_start():
    result = _manage("check", env={**PRODUCTION, "SECRET_KEY": ""})
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_production_without_the_email_webhook_secret_refuses_to_start():
    result = _manage("check", env={**PRODUCTION, "ANYMAIL_WEBHOOK_SECRET": ""})
    assert result.returncode != 0
    assert "ANYMAIL_WEBHOOK_SECRET must be set (user:password) when DEBUG is off." in result.stderr
