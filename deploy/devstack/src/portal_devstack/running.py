"""The whole portal started as real processes on one machine, for the end-to-end tests and the benchmarks.

`started_stack(stack, log_dir)` migrates the stack's own databases, seeds the demo, starts every process of
`Stack.processes()` (the same table as `make run`), waits until the gateway says all is ready, and on exit
stops everything and drops its databases and bus namespace. Give each caller its own port offset, database
prefix and namespace so it runs beside `make run`.
"""
from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

from portal_devstack.cli import DEMO_DATA, SEEDERS_AFTER_START, SEEDERS_BEFORE_START, migrate
from portal_devstack.stack import BIN, MIGRATED, ROOT, Stack
from portal_shared.db import drop_database


class RunningStack:
    def __init__(self, stack: Stack, log_dir: Path):
        self.stack = stack
        self.log_dir = log_dir
        self.processes: dict[str, subprocess.Popen] = {}

    @property
    def gateway(self) -> str:
        return f"http://127.0.0.1:{self.stack.gateway_port}"

    def host(self, slug: str | None = None) -> str:
        return self.stack.base_domain if slug is None else f"{slug}.{self.stack.base_domain}"

    def get(self, path: str, slug: str | None = None, **kwargs) -> requests.Response:
        headers = {"Host": self.host(slug), **kwargs.pop("headers", {})}
        return requests.get(self.gateway + path, headers=headers, timeout=10, **kwargs)

    def readiness(self) -> requests.Response:
        """The gateway's /readyz on the bare host, with the operator token it needs."""
        return requests.get(self.gateway + "/readyz", headers=self.stack.operator_headers(), timeout=10)

    def admin(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = self.stack.operator_headers()
        return requests.request(method, f"{self.gateway}/api/portal-config{path}", headers=headers, timeout=10,
                                **kwargs)

    def mail(self) -> list[dict]:
        return requests.get(f"{self.stack.mail_api}/api/v1/messages?limit=500", timeout=5).json()["messages"]

    def start(self) -> None:
        for process in self.stack.processes():
            log = open(self.log_dir / f"{process.name}.log", "wb")
            self.processes[process.name] = subprocess.Popen(process.command, env=process.env, stdout=log,
                                                            stderr=subprocess.STDOUT, cwd=ROOT)

    def stop_process(self, name: str) -> None:
        """Stop one process (an outage test); `start_process` brings it back."""
        proc = self.processes[name]
        proc.terminate()
        proc.wait(timeout=15)

    def start_process(self, name: str) -> None:
        process = next(p for p in self.stack.processes() if p.name == name)
        log = open(self.log_dir / f"{name}.log", "ab")
        self.processes[name] = subprocess.Popen(process.command, env=process.env, stdout=log,
                                                stderr=subprocess.STDOUT, cwd=ROOT)

    def wait_ready(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            for name, proc in self.processes.items():
                if proc.poll() is not None:
                    raise RuntimeError(f"{name} exited with {proc.returncode}; see {self.log_dir / (name + '.log')}")
            try:
                last = self.readiness()
                if last.status_code == 200:
                    return
            except requests.RequestException as exc:
                last = exc
            time.sleep(0.5)
        raise RuntimeError(f"the stack was not ready in {timeout}s: {getattr(last, 'text', last)}")

    def stop(self) -> None:
        for proc in self.processes.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in self.processes.values():
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()



@contextmanager
def started_stack(stack: Stack, log_dir: Path,
                  drop_bus_namespace: Callable[[Stack], None] | None = None) -> Iterator[RunningStack]:
    """`drop_bus_namespace(stack)` removes the stack's queues and exchanges at the end (the callers' test
    support does it; production code never deletes a namespace)."""
    log_dir.mkdir(parents=True, exist_ok=True)
    stack.run_dir.mkdir(parents=True, exist_ok=True)
    running = RunningStack(stack, log_dir)
    try:
        migrate(stack)
        env = {**stack.common_env(), "LOG_LEVEL": "WARNING"}
        for seeder in SEEDERS_BEFORE_START:
            subprocess.run([str(BIN / seeder), "seed", str(DEMO_DATA)], env=env, check=True)
        running.start()
        running.wait_ready()
        for seeder in SEEDERS_AFTER_START:      # identity, then billing (which waits for identity's events)
            subprocess.run([str(BIN / seeder), "seed", str(DEMO_DATA)], env=env, check=True)
        yield running
    finally:
        running.stop()
        for service in MIGRATED:
            drop_database(stack.database_url(service))
        if drop_bus_namespace is not None:
            drop_bus_namespace(stack)
