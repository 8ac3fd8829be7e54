"""docker-compose.yml declares the production layout users deploy with."""

import shlex

import yaml
from django.conf import settings

from reactivate.celery import import_worker
from tests.conftest import ROOT


def test_compose_declares_six_services_each_with_a_health_check():
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    assert set(services) == {"postgres", "redis", "web", "worker", "import-worker", "beat"}
    for name, service in services.items():
        assert service.get("healthcheck", {}).get("test"), f"{name} has no health check"


def test_compose_runs_the_app_on_postgresql_and_redis():
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    for name in ("web", "worker", "import-worker", "beat"):
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://")
        assert env["REDIS_URL"].startswith("redis://")
        assert env["DEBUG"] == "false"


def _queues(command: str) -> list[str]:
    words = shlex.split(command)
    return words[words.index("-Q") + 1].split(",")


def _worker_commands() -> dict[str, list[str]]:
    """Each worker's queues, in compose and in Procfile.dev."""
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    commands = {
        f"compose {name}": service["command"]
        for name, service in services.items()
        if " worker " in service.get("command", "")
    }
    for line in (ROOT / "Procfile.dev").read_text().splitlines():
        name, _, command = line.partition(":")
        if " worker " in command:
            commands[f"Procfile {name}"] = command
    return {name: _queues(command) for name, command in commands.items()}


def test_every_routed_queue_has_a_worker_in_compose_and_locally():
    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()} | {"celery"}
    for where in ("compose", "Procfile"):
        workers = {n: q for n, q in _worker_commands().items() if n.startswith(where)}
        assert routed <= {queue for queues in workers.values() for queue in queues}, where


def test_imports_run_only_in_workers_that_run_nothing_else():
    # The import worker's interpreter tuning is process-wide (reactivate/celery.py).
    for name, queues in _worker_commands().items():
        assert "imports" not in queues or import_worker(queues), name
