"""The Celery app. Tasks live in each app's ``tasks.py`` and are thin: they take ids,
re-fetch rows and call a service function that tests call directly.

A worker started for the ``imports`` queue alone (``celery worker -Q imports``) runs its
interpreter tuned for imports (see ``import_worker_tune``); a worker that shares queues
keeps Python's defaults, since the tuning would apply to every task it runs.
"""

import gc
import logging
import os
import sys

from celery import Celery
from celery.signals import celeryd_after_setup, task_postrun, worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reactivate.settings")

app = Celery("reactivate")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

logger = logging.getLogger(__name__)

IMPORT_QUEUE = "imports"
# Set by an import worker's main process for its pool's children, forked or spawned.
IMPORT_WORKER_ENV = "REACTIVATE_IMPORT_WORKER"
IMPORT_SWITCH_INTERVAL = 0.001  # seconds


def import_worker(queues) -> bool:
    """Whether a worker consuming ``queues`` runs imports and nothing else."""
    return set(queues) == {IMPORT_QUEUE}


def import_worker_tune() -> None:
    """The interpreter of a worker that runs imports only, set for its whole life.

    Why it is kept rather than dropped: benchmarks/import_bench.py's ``ours`` phase,
    100k rows, the ways taking turns in one run (2 cores shared with other work,
    December 2026; median of 3): untuned 1,757 rows/s, tuned 2,482 rows/s. Without it an
    import takes about 40% longer; the garbage collector alone is most of it (gc off
    only: about 2,260 rows/s). Peak RSS is the same either way (254 MB).

    - Python's cyclic garbage collector is off. An import makes dozens of container
      objects a row (cleaned values, contacts, block members), all freed by reference
      counting; the collector's automatic passes over them find next to nothing to free
      (the peak RSS is the same without them).
      ``_import_task_collect`` runs a full collection after each task instead.
    - Threads switch every millisecond instead of every five. The import's writing
      thread waits for PostgreSQL dozens of times a chunk, and each time the cleaning
      thread holds the GIL it waited the whole interval to get it back.

    Both are process-wide: in a worker that also sends texts or syncs schedules they
    would change every other task, which is why only an imports-only worker sets them."""
    gc.disable()
    sys.setswitchinterval(IMPORT_SWITCH_INTERVAL)


@celeryd_after_setup.connect
def _import_worker_detect(sender, instance, **kwargs) -> None:
    # Sent once -Q is applied and before the pool starts, so its children inherit both
    # the environment variable and (when forked) the tuning itself.
    if not import_worker(instance.app.amqp.queues.consume_from):
        return
    os.environ[IMPORT_WORKER_ENV] = "1"
    import_worker_tune()
    logger.info("import worker: garbage collector off, switch interval 1 ms")


@worker_process_init.connect
def _import_worker_child(**kwargs) -> None:
    if os.environ.get(IMPORT_WORKER_ENV) == "1":
        import_worker_tune()
        logger.info("import worker process %s tuned for imports", os.getpid())


@task_postrun.connect
def _import_task_collect(**kwargs) -> None:
    # What the collector would have freed during the task (reference cycles, if any).
    if os.environ.get(IMPORT_WORKER_ENV) == "1":
        gc.collect()
