"""A branches read model that missed its events catches up from portal-config's snapshot."""
from __future__ import annotations

import json
import threading
import uuid

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from portal_identity.adapters.orm import Branch
from portal_identity.service_layer.backfill import backfill_branches
from portal_shared.identity_token import HEADER, verify_identity

pytestmark = pytest.mark.integration
SECRET = "backfill-test-secret-0123456789abcdef"


def branch_row(slug: str, revision: int) -> dict:
    return {"branch_id": str(uuid.uuid4()), "company_id": str(uuid.uuid4()), "company_name": "Late Co",
            "company_contact_email": None, "slug": slug, "name": slug.title(), "enabled": True,
            "time_zone": "America/Chicago", "portal_url": f"http://{slug}.localhost:8080", "revision": revision}


@pytest.fixture
def snapshot_server():
    rows: list[dict] = []

    @Request.application
    def app(request):
        claims = verify_identity(request.headers[HEADER], SECRET)
        assert claims["kind"] == "service"
        return Response(json.dumps(rows), mimetype="application/json")

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", rows
    server.shutdown()


def test_branches_missing_from_the_read_model_are_loaded_and_a_second_run_changes_nothing(db, snapshot_server):
    url, rows = snapshot_server
    rows += [branch_row("late-north", 3), branch_row("late-south", 1)]
    assert backfill_branches(db, portal_config_url=url, internal_secret=SECRET) == 2
    assert backfill_branches(db, portal_config_url=url, internal_secret=SECRET) == 2
    with db.unit_of_work() as session:
        loaded = {b.slug: b.revision for b in session.scalars(sa.select(Branch).where(Branch.slug.like("late-%")))}
    assert loaded == {"late-north": 3, "late-south": 1}
