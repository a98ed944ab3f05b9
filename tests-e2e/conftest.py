"""End-to-end: the whole system started as real processes, used through the gateway.

Real: every service, worker, the gateway and the mail sink (the same process table as
`make run`, from portal_devstack), PostgreSQL, RabbitMQ, SMTP and headless Chromium.
Own ports (+10000), databases (a unique prefix) and bus namespace, so it runs beside `make run`.
Faked: nothing.
"""
from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest
import requests

from portal_devstack.cli import SEEDERS_AFTER_START, migrate
from portal_devstack.stack import BIN, MIGRATED, ROOT, Stack
from portal_shared.db import drop_database
from portal_testkit.testing import delete_bus_namespace, require_reachable, unique

ARTIFACTS = ROOT / "test-artifacts"
DEMO_DATA = ROOT / "deploy" / "demo-data.json"


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


@pytest.fixture(scope="session")
def system():
    infra = require_reachable()
    suffix = unique("e2e").split("_")[1]
    # E2E_PORT_OFFSET lets two suites run side by side on one machine (default +10000).
    stack = Stack(port_offset=int(os.environ.get("E2E_PORT_OFFSET", "10000")), namespace=f"e2e-{suffix}", database_prefix=f"portale2e_{suffix}",
                  postgres_url=infra.postgres_url, amqp_url=infra.amqp_url, redis_url=infra.redis_url,
                  run_dir=ARTIFACTS / "e2e-run")
    log_dir = ARTIFACTS / "e2e-logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    stack.run_dir.mkdir(parents=True, exist_ok=True)
    running = RunningStack(stack, log_dir)
    try:
        migrate(stack)
        env = {**stack.common_env(), "LOG_LEVEL": "WARNING"}
        subprocess.run([str(BIN / "portal-config"), "seed", str(DEMO_DATA)], env=env, check=True)
        running.start()
        running.wait_ready()
        for seeder in SEEDERS_AFTER_START:      # identity, then billing (which waits for identity's events)
            subprocess.run([str(BIN / seeder), "seed", str(DEMO_DATA)], env=env, check=True)
        yield running
    finally:
        running.stop()
        for service in MIGRATED:
            drop_database(stack.database_url(service))
        from portal_shared.config import BusSettings

        delete_bus_namespace(BusSettings(url=stack.amqp_url, namespace=stack.namespace))


@pytest.fixture(scope="session")
def chromium_path() -> str:
    for candidate in (os.environ.get("CHROMIUM_PATH"), "/usr/bin/chromium", "/usr/bin/chromium-browser"):
        if candidate and Path(candidate).exists():
            return candidate
    pytest.fail("Chromium is not installed: run `make browser` (Debian package `chromium`).")


@pytest.fixture
def browser_page(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic",
            "--no-first-run", "--disable-component-update", "--disable-sync"])
        page = browser.new_page()
        yield page
        browser.close()


# -- signing in, for any test file (importlib mode: test modules cannot import each other) ----------

@pytest.fixture
def http_customer(system):
    """http_customer(slug, email, password): a plain HTTP client signed in through the sign-in form
    (CSRF cookie and token included), sending the branch's Host to the gateway."""
    import re

    def sign_in(slug: str, email: str, password: str) -> requests.Session:
        client = requests.Session()
        client.headers["Host"] = f"{slug}.{system.stack.base_domain}"
        login = client.get(system.gateway + "/login", timeout=10).text
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login)
        assert token
        client.post(system.gateway + "/login", data={"csrf_token": token.group(1), "email": email,
                                                     "password": password}, allow_redirects=False, timeout=10)
        return client
    return sign_in


@pytest.fixture
def browser_customer(browser_page):
    """browser_customer(base, email, password): Chromium's page, signed in through the form, on Home."""
    def sign_in(base: str, email: str, password: str):
        browser_page.goto(base + "/login")
        browser_page.get_by_label("Email").fill(email)
        browser_page.get_by_label("Password", exact=True).fill(password)
        browser_page.get_by_role("button", name="Sign In").click()
        browser_page.wait_for_selector(".dashboard__title")
        return browser_page
    return sign_in
