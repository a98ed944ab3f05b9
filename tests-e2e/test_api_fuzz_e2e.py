"""Every service's OpenAPI document, fuzzed through the gateway by schemathesis.

For each service the test loads `/api/<service>/openapi.json` through the gateway and sends
generated requests for every operation — valid ones (positive) and invalid ones (negative) — as
each kind of caller: a signed-in customer and a staff member (session cookie on the demo branch
host) and the back office's API key (bearer on the bare host, integration operations only).
Every response must not be a 5xx and must match the document (status documented, body valid
against its schema, problem+json for errors). Runs are bounded (`EXAMPLES` per operation and mode,
no shrinking, fixed seed) so the whole file takes a few minutes on two cores.

Real: the whole stack from conftest.py (demo seeded). Faked: nothing.
"""
from __future__ import annotations

import os
import re

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

pytestmark = pytest.mark.e2e

SERVICES = ("identity", "portal-config", "billing", "proposals", "requests", "visits", "notifications")
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "8"))
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]
# Operations that would end the caller's own session or lock it out, so the rest of the run
# would test an anonymous caller: sign-out, password change and reset, and sign-in itself
# (generated wrong passwords count towards the rate limiter's lockout of the demo accounts).
SKIPPED = re.compile(r"^(POST /sessions/end|POST /customer/password|POST /password-resets.*"
                     r"|POST /customer/sessions|POST /staff/sessions|POST /invitations/.*|PATCH /customer/me)$")


def _operations(spec: dict, *, only_integration: bool = False):
    schema = schemathesis.openapi.from_dict(spec)
    for result in schema.get_all_operations():
        operation = result.ok()
        label = f"{operation.method.upper()} {operation.path}"
        if SKIPPED.match(label):
            continue
        if only_integration and not operation.path.startswith("/integration/"):
            continue
        yield label, operation


def fuzz(spec: dict, *, base_url: str, session: requests.Session, only_integration: bool = False) -> list[str]:
    """Every failure as 'METHOD /path (mode): what went wrong'; empty when the service held."""
    failures: list[str] = []
    for label, operation in _operations(spec, only_integration=only_integration):
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                      phases=[Phase.generate], suppress_health_check=list(HealthCheck))
            @given(case=operation.as_strategy(generation_mode=mode))
            def exercise(case):
                response = case.call(base_url=base_url, session=session, timeout=15)
                case.validate_response(response, checks=CHECKS)

            try:
                exercise()
            except Unsatisfiable:
                pass  # no invalid request exists for an operation without parameters or body
            except Exception as error:  # noqa: BLE001 - every failure is reported, none stops the run
                failures.append(f"{label} ({mode.value}): {str(error)[:1500]}")
    return failures


def _spec(system, service: str, host: str) -> dict:
    response = requests.get(f"{system.gateway}/api/{service}/openapi.json", headers={"Host": host}, timeout=10)
    assert response.status_code == 200, response.text[:300]
    return response.json()


def _session(host: str, **headers) -> requests.Session:
    session = requests.Session()
    session.headers.update({"Host": host, **headers})
    return session


def _signed_in(system, kind: str, email: str, password: str) -> requests.Session:
    host = system.host("demo")
    path = "/api/identity/customer/sessions" if kind == "customer" else "/api/identity/staff/sessions"
    answer = requests.post(system.gateway + path, json={"email": email, "password": password},
                           headers={"Host": host}, timeout=10)
    assert answer.status_code == 201, answer.text
    session = _session(host)
    session.cookies.set("portal_session", answer.json()["session_id"])
    return session


@pytest.fixture(scope="module")
def customer(system) -> requests.Session:
    return _signed_in(system, "customer", "camilla@example.com", "demo-customer-pass")


@pytest.fixture(scope="module")
def staff(system) -> requests.Session:
    return _signed_in(system, "staff", "admin@example.com", "demo-admin-pass")


@pytest.fixture(scope="module")
def api_key(system) -> requests.Session:
    company = system.admin("GET", "/companies").json()[0]["id"]
    created = requests.post(f"{system.gateway}/api/identity/staff/operator/companies/{company}/api-keys",
                            headers={"Host": system.host(), "Authorization": f"Bearer {system.stack.operator_token}"},
                            json={"name": "fuzz", "scopes": ["contacts:write", "properties:write", "proposals:write"]}, timeout=10)
    assert created.status_code == 201, created.text
    return _session(system.host(), Authorization=f"Bearer {created.json()['key']}")


@pytest.mark.parametrize("service", SERVICES)
def test_as_a_customer_no_operation_answers_5xx_or_off_its_document(system, customer, service):
    spec = _spec(system, service, system.host("demo"))
    failures = fuzz(spec, base_url=f"{system.gateway}/api/{service}", session=customer)
    assert not failures, "\n\n".join(failures)


@pytest.mark.parametrize("service", SERVICES)
def test_as_staff_no_operation_answers_5xx_or_off_its_document(system, staff, service):
    spec = _spec(system, service, system.host("demo"))
    failures = fuzz(spec, base_url=f"{system.gateway}/api/{service}", session=staff)
    assert not failures, "\n\n".join(failures)


def test_as_an_api_key_no_integration_operation_answers_5xx_or_off_its_document(system, api_key):
    failures = []
    for service in SERVICES:
        spec = _spec(system, service, system.host())
        failures += fuzz(spec, base_url=f"{system.gateway}/api/{service}", session=api_key, only_integration=True)
    assert not failures, "\n\n".join(failures)
