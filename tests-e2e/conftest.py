"""End-to-end: the whole system started as real processes, used through the gateway.

Real: every service, worker, the gateway and the mail sink (the same process table as
`make run`, from portal_devstack), PostgreSQL, RabbitMQ, SMTP and headless Chromium.
Own ports (+10000), databases (a unique prefix) and bus namespace, so it runs beside `make run`.
Faked: nothing.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest
import requests

from portal_devstack.running import started_stack
from portal_devstack.stack import ROOT, Stack
from portal_testkit.testing import drop_bus_namespace, require_reachable, unique

ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture(scope="session")
def system():
    infra = require_reachable()
    suffix = unique("e2e").split("_")[1]
    # E2E_PORT_OFFSET lets two suites run side by side on one machine (default +10000).
    stack = Stack(port_offset=int(os.environ.get("E2E_PORT_OFFSET", "10000")), namespace=f"e2e-{suffix}", database_prefix=f"portale2e_{suffix}",
                  postgres_url=infra.postgres_url, amqp_url=infra.amqp_url, redis_url=infra.redis_url,
                  run_dir=ARTIFACTS / "e2e-run")
    with started_stack(stack, ARTIFACTS / "e2e-logs", drop_bus_namespace=drop_bus_namespace) as running:
        yield running


@pytest.fixture(scope="session")
def chromium_path() -> str:
    for candidate in (os.environ.get("CHROMIUM_PATH"), "/usr/bin/chromium", "/usr/bin/chromium-browser"):
        if candidate and Path(candidate).exists():
            return candidate
    pytest.fail("Chromium is not installed: run `make browser` (Debian package `chromium`).")


@pytest.fixture(scope="session")
def chromium(chromium_path):
    """One headless Chromium for the whole run (launching one per test cost about a second each); tests
    isolate themselves with contexts of their own (`browser_page`, or `chromium.new_context()`)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=chromium_path, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic",
            "--no-first-run", "--disable-component-update", "--disable-sync"])
        _LAUNCHED.append(launched)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def browser(chromium):
    return chromium


_LAUNCHED: list = []   # the session's Chromium, once a test asked for it


@pytest.fixture(autouse=True, scope="module")
def _close_pages_at_the_end_of_each_module():
    """Pages a module opened straight from the shared browser close with the module (as they did when each
    module launched its own browser), so no page of an earlier module keeps running in the background."""
    yield
    for launched in _LAUNCHED:
        for context in list(launched.contexts):
            context.close()


@pytest.fixture
def browser_page(chromium):
    """A page in a fresh context (its own cookies and storage), closed after the test."""
    context = chromium.new_context()
    yield context.new_page()
    context.close()


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
