"""Running a service's bus loops (relay, consumers, senders) as one worker process.

Each loop gets its own thread and so its own broker connection (pika is not thread-safe).
SIGTERM/SIGINT set the stop event; every loop finishes its current message and exits.
A heartbeat file lets a container health check tell a live worker from a hung one.
"""
from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from portal_shared import page_versions
from portal_shared.logging import get_logger

log = get_logger(__name__)

Loop = Callable[[threading.Event], None]


def heartbeat_path(service: str) -> Path:
    return Path(os.environ.get("WORKER_HEARTBEAT_FILE", f"/tmp/portal-{service}-worker.alive"))


def start_loops(loops: Sequence[tuple[str, Loop]], stop: threading.Event) -> list[threading.Thread]:
    threads = []
    for name, loop in loops:
        thread = threading.Thread(target=_guard(name, loop, stop), name=name, daemon=True)
        thread.start()
        threads.append(thread)
    return threads


def _guard(name: str, loop: Loop, stop: threading.Event) -> Callable[[], None]:
    def run() -> None:
        # A loop that dies unexpectedly is restarted: work must be delayed, never dropped.
        while not stop.is_set():
            try:
                loop(stop)
            except Exception:  # noqa: BLE001
                log.exception("worker_loop_crashed", loop=name)
                stop.wait(2.0)
    return run


def run_worker(service: str, loops: Sequence[tuple[str, Loop]]) -> None:
    stop = threading.Event()

    def shutdown(signum, _frame):
        log.info("worker_stopping", service=service, signal=signum)
        stop.set()

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    page_versions.configure(service)   # what the loops commit moves the tenants' page versions (ADR 0035)
    threads = start_loops(loops, stop)
    log.info("worker_started", service=service, loops=[name for name, _ in loops])
    beat = heartbeat_path(service)
    beat.parent.mkdir(parents=True, exist_ok=True)
    while not stop.wait(5.0):
        if all(t.is_alive() for t in threads):
            beat.touch()
    for thread in threads:
        thread.join(timeout=10)
    log.info("worker_stopped", service=service)


def healthcheck(service: str, max_age_seconds: float = 30.0) -> int:
    """Exit code for a container health check: 0 when the heartbeat is fresh."""
    beat = heartbeat_path(service)
    try:
        age = time.time() - beat.stat().st_mtime
    except FileNotFoundError:
        return 1
    return 0 if age <= max_age_seconds else 1


if __name__ == "__main__":  # python -m portal_shared.bus.worker healthcheck <service>
    sys.exit(healthcheck(sys.argv[2]) if len(sys.argv) == 3 and sys.argv[1] == "healthcheck" else 2)
