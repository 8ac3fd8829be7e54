"""How the tests and the dispatch benchmark start a real ``celery worker`` process: one
command line for both (DESIGN §6's worker, in a subprocess of this interpreter)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable


def celery_worker_command(
    queues: Iterable[str],
    *,
    name: str,
    concurrency: int = 2,
    loglevel: str = "INFO",
    heartbeat: bool = True,
) -> list[str]:
    """``celery worker`` (prefork, ``concurrency`` children) on ``queues``, named
    ``name-<this pid>`` so parallel runs never share a name. Without gossip and mingle: no
    worker waits for its peers. ``heartbeat=False`` also spares the broker the heartbeats
    (a benchmark's many workers)."""
    return [
        sys.executable,
        *("-m", "celery", "-A", "reactivate", "worker"),
        "--pool=prefork",
        f"--concurrency={concurrency}",
        "--without-gossip",
        "--without-mingle",
        *([] if heartbeat else ["--without-heartbeat"]),
        *("-Q", ",".join(queues)),
        f"--loglevel={loglevel}",
        f"--hostname={name}-{os.getpid()}@%h",
    ]
