"""Page versions (ADR 0035) on the real Redis and PostgreSQL: moved after a commit, never after a rollback,
and by a successful write through a service's API, not by a read or a refusal."""
from __future__ import annotations

import pytest
import redis
import sqlalchemy as sa

from portal_shared import page_versions
from portal_shared.identity_token import HEADER, sign_identity
from portal_shared.page_versions import ALL_TENANTS, version_key
from portal_shared.web.app import create_service_app
from portal_testkit.testing import require_reachable, unique

pytestmark = pytest.mark.integration
SECRET = "page-versions-test-secret-0123456789abcdef"


@pytest.fixture
def versions(monkeypatch):
    namespace = unique("pv")
    monkeypatch.setenv("REDIS_URL", require_reachable().redis_url)
    monkeypatch.setenv("SESSION_NAMESPACE", namespace)
    monkeypatch.setattr(page_versions, "_current", None)
    page_versions.configure("billing")
    client = redis.Redis.from_url(require_reachable().redis_url)

    def read(tenant: str) -> int:
        return int(client.get(version_key(namespace, "billing", tenant)) or 0)
    yield read
    for key in client.scan_iter(f"{namespace}:*"):
        client.delete(key)


def test_a_noted_write_moves_the_version_when_it_commits_and_not_when_it_rolls_back(db, versions):
    with db.unit_of_work() as session:
        session.execute(sa.text("SELECT 1"))
        page_versions.note_write(session, "tenant-a")
        assert versions("tenant-a") == 0          # not before the commit: a reader could cache the old data
    assert versions("tenant-a") == 1
    with pytest.raises(RuntimeError):
        with db.unit_of_work() as session:
            page_versions.note_write(session, "tenant-a")
            raise RuntimeError("the handler failed")
    assert versions("tenant-a") == 1
    with db.unit_of_work() as session:
        page_versions.note_write(session, None)  # no tenant: every tenant's pages
    assert versions(ALL_TENANTS) == 1


def test_a_successful_write_through_the_api_moves_its_tenants_version(versions):
    app, _api = create_service_app(__name__, service="billing", internal_token_secret=SECRET)

    @app.route("/things", methods=["GET", "POST"])
    def things():
        return ("", 201) if app.config.get("accept", True) else ("", 422)

    client = app.test_client()
    headers = {HEADER: sign_identity({"kind": "request", "tenant_id": "tenant-b"}, SECRET)}
    client.get("/things", headers=headers)
    assert versions("tenant-b") == 0
    client.post("/things", headers=headers)
    assert versions("tenant-b") == 1
    app.config["accept"] = False
    client.post("/things", headers=headers)
    assert versions("tenant-b") == 1          # a refused write changed nothing
