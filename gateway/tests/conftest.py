"""Tests of the gateway: what is real and what is faked.

unit/ does no I/O: host resolution, path splitting, the branch table and the upstream pool's
round-robin order, called directly.

integration/ uses real HTTP end to end:
- upstreams are real HTTP servers (werkzeug `make_server`, each in a thread on a free local
  port) running a small WSGI echo app that answers with the method, path, query, headers and
  body it received as JSON. Variants: one that sleeps before answering (timeouts), one whose
  /readyz answers 503, one that drops the connection after reading a request; "an upstream
  that is down" is a local port nobody listens on (connection refused for real);
- the gateway is the real app from `create_app(GatewaySettings(...), start_feed=False)`, used
  through Flask's test client, and for the streaming test served by `make_server` too so the
  client talks real HTTP to it;
- identity tokens are signed and verified with the real `portal_shared.identity_token`;
- sessions live in the real Redis (TEST_REDIS_URL via `portal_testkit.testing.require_reachable()`),
  created with the real `SessionStore` in a namespace of its own per test, deleted afterwards;
  "Redis is down" is a local port nobody listens on.
Faked in integration/: the routing table is loaded directly with `load_snapshot([...])`
instead of by the branch feed, and `/readyz` gets a stand-in feed object (`connected=True`).
The one exception is test_branch_feed.py, which fakes nothing: the real `BranchFeed` against
the real RabbitMQ (a throwaway namespace from `portal_testkit.testing.bus_settings()`, deleted
afterwards) and a real HTTP server playing portal-config's `/internal/branches`.
If RabbitMQ cannot be reached that test FAILS saying so; nothing is skipped.
"""
from __future__ import annotations

import uuid

import pytest


@pytest.fixture
def make_branch():
    """A branch row as portal-config's snapshot and branch events carry it; override any field."""

    def make(**overrides) -> dict:
        slug = overrides.get("slug", f"branch-{uuid.uuid4().hex[:6]}")
        row = {
            "branch_id": str(uuid.uuid4()),
            "company_id": str(uuid.uuid4()),
            "company_name": "Green Acres Landscaping",
            "company_contact_email": "owner@greenacres.example",
            "slug": slug,
            "name": "North Branch",
            "enabled": True,
            "time_zone": "America/Chicago",
            "portal_url": f"http://{slug}.localhost:8080",
            "revision": 1,
        }
        row.update(overrides)
        return row

    return make
