"""Identity's bulk-invite worker alone, on a throwaway database: how many invitations a second the
`invitation-sender` loop commits (chunks of `send_next_chunk`, each its own transaction, with the
invitations, their outbox events and the batch's results). No broker, no mail: the rest of the path is
`invitations.py bulk`. Prints figures; asserts nothing.

    .venv/bin/python benchmarks/invitation_batches.py --count 1000      # needs TEST_POSTGRES_URL (or localhost)

Seeds one company with a branch, a System Admin and `--count` unverified contacts on properties of the
branch (500 a property, plain SQL, not timed), accepts batches of 500 through `accept_batch` (not timed),
then times the sender loop's chunks until nothing is pending, in one thread (`--threads` to share the
batches between several loops, as the worker does with INVITATION_SEND_THREADS).
"""
from __future__ import annotations

import argparse
import os
import threading
import time
import uuid

import sqlalchemy as sa

os.environ.setdefault("TEST_POSTGRES_URL", "postgresql+psycopg://localhost:5432")
os.environ.setdefault("TEST_AMQP_URL", "amqp://guest:guest@localhost:5672/%2F")
os.environ.setdefault("TEST_REDIS_URL", "redis://localhost:6379/15")

from portal_identity.adapters.orm import StaffUser  # noqa: E402
from portal_identity.service_layer import directory  # noqa: E402
from portal_identity.service_layer.context import Caller  # noqa: E402
from portal_identity.service_layer.invitation_batches import CHUNK, accept_batch, send_next_chunk  # noqa: E402
from portal_shared.db import Database  # noqa: E402
from portal_testkit.testing import throwaway_database  # noqa: E402

BATCH = 500
SUBJECT = "[ContactName], you've been invited to the Customer Portal!"
BODY = "Hello [ContactFirstName], [SenderName] of [CompanyName] invites you: [CustomerPortalLink]"


def seed(db: Database, count: int) -> tuple[Caller, list[str]]:
    tenant, branch = str(uuid.uuid4()), str(uuid.uuid4())
    with db.unit_of_work() as session:
        directory.apply_branch(session, {"branch_id": branch, "company_id": tenant, "slug": "bench", "name": "Bench",
                                         "company_name": "Bench Landscaping", "portal_url": "http://bench.localhost",
                                         "enabled": True, "revision": 1})
        staff = StaffUser(id=str(uuid.uuid4()), tenant_id=tenant, email="admin@bench.example", first_name="Ada",
                          last_name="Admin", role="System Admin", password_hash="x", branch_ids=[branch], active=True)
        session.add(staff)
        session.flush()
        contacts = [str(uuid.uuid4()) for _ in range(count)]
        session.execute(sa.text("INSERT INTO contacts (id, tenant_id, external_id, email, first_name, last_name, revision) "
                                "SELECT c, CAST(:t AS uuid), 'bench-' || n, 'bench.' || n || '@bench.example', 'Bench', "
                                "'Contact ' || n, 1 FROM unnest(CAST(:ids AS uuid[])) WITH ORDINALITY AS x(c, n)"),
                        {"t": tenant, "ids": contacts})
        for start in range(0, count, 500):
            prop, _ = directory.upsert_property(session, tenant_id=tenant, external_id=f"bench-prop-{start}",
                                                branch_slug="bench", name=f"Bench {start}", street="1 Main St",
                                                city="St. Louis", state="Missouri", zip="63101")
            session.execute(sa.text("INSERT INTO property_roles (tenant_id, property_id, contact_id, role) "
                                    "SELECT CAST(:t AS uuid), CAST(:p AS uuid), c, 'Primary' "
                                    "FROM unnest(CAST(:ids AS uuid[])) AS c"),
                            {"t": tenant, "p": prop.id, "ids": contacts[start:start + 500]})
        session.execute(sa.text("DELETE FROM outbox"))
    return Caller(tenant_id=tenant, branch_id=branch, account_kind="staff", account_id=staff.id), contacts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--chunk", type=int, default=CHUNK)
    args = parser.parse_args()
    with throwaway_database("portal_identity") as url:
        db = Database(url)
        try:
            caller, contacts = seed(db, args.count)
            with db.unit_of_work() as session:
                staff = session.get(StaffUser, caller.account_id)
                for n, start in enumerate(range(0, args.count, BATCH)):
                    accept_batch(session, caller=caller, staff=staff, idempotency_key=f"bench-{n}", subject=SUBJECT,
                                 body=BODY, recipients=[{"contact_id": c} for c in contacts[start:start + BATCH]])

            def loop() -> None:
                while True:
                    with db.unit_of_work() as session:
                        if not send_next_chunk(session, chunk=args.chunk):
                            return

            started, cpu = time.monotonic(), time.process_time()
            threads = [threading.Thread(target=loop) for _ in range(args.threads)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed, cpu = time.monotonic() - started, time.process_time() - cpu
            with db.engine.connect() as conn:
                invited = conn.scalar(sa.text("SELECT count(*) FROM invitations"))
                events = conn.scalar(sa.text("SELECT count(*) FROM outbox WHERE event_type = 'invitation_created'"))
            print(f"{invited} invitations ({events} invitation_created events) in {elapsed:.2f} s with "
                  f"{args.threads} sender loop(s), chunks of {args.chunk}: {invited / elapsed:,.0f} invitations/s; "
                  f"this process's CPU {cpu:.2f} s ({cpu / max(invited, 1) * 1000:.2f} ms an invitation)")
        finally:
            db.dispose()


if __name__ == "__main__":
    main()
