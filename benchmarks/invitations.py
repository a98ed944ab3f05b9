"""Email through the whole system, against a running stack: bulk invitations until the last is in the mail
sink, and event-to-email latency at a steady rate. Prints figures; asserts nothing.

    .venv/bin/python benchmarks/invitations.py bulk                    # 10,000 invitations (20 batches of 500)
    .venv/bin/python benchmarks/invitations.py event-to-email          # 100 invitations/s for 20 s, p50/p99
    .venv/bin/python benchmarks/invitations.py bulk --count 1000 --gateway http://127.0.0.1:18080 \
        --branch-host demo.localhost:18080 --mail-api http://127.0.0.1:18025 --database-prefix portale2e_x

The defaults are `make run`'s stack (gateway on 8080, mail sink API on 8025, databases portal_*). The mail
sink must keep at least `--count` messages: start the stack with MAILSINK_MAX_MESSAGES raised (e.g.
`MAILSINK_MAX_MESSAGES=20000 make run`); `make bench` (benchmarks/run_all.py) starts its own stack so.
`sender` puts emails straight into notifications' outbound queue: the mail sender and the sink alone.

Everything goes through the real APIs: the platform operator issues an API key for Demo Landscaping; the back
office's integration API puts `--count` contacts (bench-invite-N, bench.invite.N@bench.example) on properties
at the demo branch (idempotent: a second run reuses them; not timed); the staff admin signs in through the
gateway. Timed, `bulk`: the staff bulk-invite API (POST /api/identity/staff/invitation-batches, at most 500
recipients a request), from the first request until the sink holds every invitation, polling the sink's
Mailpit-style API. `event-to-email`: one invitation per request (POST /api/identity/staff/invitations) at a
steady rate; each email's latency runs from its `invitation_created` outbox row's commit (identity's database,
its created_at: the transaction's start, a few ms before the commit) to its arrival in the sink (the sink's
Created time; same machine, same clock). With the databases readable (`--database-prefix`), the
milestones come from them: identity's outbox (published by the relay), notifications' inbox (taken by
the emails consumer) and outbound_messages (queued, sent).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime

import requests
import sqlalchemy as sa

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent))
from harness import Row  # noqa: E402

BATCH_LIMIT = 500          # InvitationSend's recipients cap
CONTACTS_PER_PROPERTY = 500
TARGET_BULK_SECONDS = 60.0  # issue 11: 10,000 invitations delivered in under 60 s
TARGET_P99_SECONDS = 1.0    # issue 11: event-to-email p99 under 1 s at 100 events/s


@dataclass
class Target:
    gateway: str = "http://127.0.0.1:8080"
    branch_host: str = "demo.localhost:8080"
    platform_host: str = "localhost:8080"
    mail_api: str = "http://127.0.0.1:8025"
    operator_token: str = "dev-operator-token"
    company: str = "Demo Landscaping"
    branch_slug: str = "demo"
    staff_email: str = "admin@example.com"
    staff_password: str = "demo-admin-pass"
    postgres_url: str | None = "postgresql+psycopg://localhost:5432"
    database_prefix: str | None = "portal"
    log: callable = field(default=print)

    def database(self, service: str) -> sa.Engine | None:
        if not (self.postgres_url and self.database_prefix):
            return None
        return sa.create_engine(f"{self.postgres_url.rstrip('/')}/{self.database_prefix}_{service}",
                                poolclass=sa.pool.NullPool)  # one connection while asking, none held


# -- the stack's APIs -----------------------------------------------------------------------------------

class Portal:
    def __init__(self, target: Target):
        self.t = target
        self.http = requests.Session()
        self.http.mount("http://", requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=32))

    def platform(self, method: str, path: str, token: str, **kwargs) -> requests.Response:
        headers = {"Host": self.t.platform_host, "Authorization": f"Bearer {token}"}
        return self.http.request(method, self.t.gateway + path, headers=headers, timeout=30, **kwargs)

    def api_key(self) -> str:
        companies = self.platform("GET", "/api/portal-config/companies", self.t.operator_token)
        companies.raise_for_status()
        body = companies.json()
        items = body["items"] if isinstance(body, dict) and "items" in body else body
        tenant = next(c["id"] for c in items if c["name"] == self.t.company)
        issued = self.platform("POST", f"/api/identity/staff/operator/companies/{tenant}/api-keys",
                               self.t.operator_token, json={"name": f"bench {uuid.uuid4().hex[:6]}",
                                                            "scopes": ["contacts:write", "properties:write"]})
        issued.raise_for_status()
        return issued.json()["key"]

    def ensure_contacts(self, count: int) -> list[tuple[str, str]]:
        """(contact id, email) of `count` bench contacts with a property at the branch; idempotent."""
        key = self.api_key()

        def put_contact(i: int) -> tuple[str, str]:
            email = f"bench.invite.{i}@bench.example"
            answer = self.platform("PUT", f"/api/identity/integration/contacts/bench-invite-{i}", key,
                                   json={"email": email, "first_name": "Bench", "last_name": f"Invitee {i}"})
            answer.raise_for_status()
            return answer.json()["contact_id"], email

        started = time.monotonic()
        with ThreadPoolExecutor(8) as pool:
            contacts = list(pool.map(put_contact, range(count)))
        for first in range(0, count, CONTACTS_PER_PROPERTY):
            name = f"bench-invite-property-{first // CONTACTS_PER_PROPERTY}"
            self.platform("PUT", f"/api/identity/integration/properties/{name}", key,
                          json={"branch_slug": self.t.branch_slug, "name": name}).raise_for_status()
            access = [{"contact_external_id": f"bench-invite-{i}", "roles": ["Other"]}
                      for i in range(first, min(first + CONTACTS_PER_PROPERTY, count))]
            self.platform("PUT", f"/api/identity/integration/properties/{name}/contacts", key,
                          json={"access": access}).raise_for_status()
        self.t.log(f"  setup: {count:,} contacts on properties at {self.t.branch_slug} "
                   f"in {time.monotonic() - started:.1f} s (not timed)")
        return contacts

    def staff(self) -> requests.Session:
        client = requests.Session()
        client.mount("http://", requests.adapters.HTTPAdapter(pool_maxsize=32))
        client.headers["Host"] = self.t.branch_host
        signed_in = client.post(self.t.gateway + "/api/identity/staff/sessions",
                                json={"email": self.t.staff_email, "password": self.t.staff_password}, timeout=30)
        signed_in.raise_for_status()
        client.cookies.set("portal_session", signed_in.json()["session_id"])
        return client


class MailSink:
    def __init__(self, api: str):
        self.api = api.rstrip("/")

    def clear(self) -> None:
        requests.delete(f"{self.api}/api/v1/messages", timeout=30).raise_for_status()

    def total(self) -> int:
        return requests.get(f"{self.api}/api/v1/messages", params={"limit": 1}, timeout=30).json()["total"]

    def messages(self) -> list[dict]:
        found, start = [], 0
        while True:
            page = requests.get(f"{self.api}/api/v1/messages", params={"start": start, "limit": 1000},
                                timeout=60).json()
            found += page["messages"]
            start += len(page["messages"])
            if not page["messages"] or start >= page["total"]:
                return found


def created(summary: dict) -> datetime:
    return datetime.fromisoformat(summary["Created"].replace("Z", "+00:00"))


def wait_until_quiet(target: Target, timeout: float = 120) -> None:
    """Setup left events behind (contacts, properties): let identity's outbox drain before timing anything."""
    engine = target.database("identity")
    if engine is None:
        time.sleep(5)
        return
    deadline = time.monotonic() + timeout
    with engine.connect() as conn:
        while time.monotonic() < deadline:
            pending = conn.execute(sa.text("SELECT count(*) FROM outbox WHERE status = 'pending'")).scalar()
            conn.commit()
            if not pending:
                break
            time.sleep(0.5)
    engine.dispose()
    time.sleep(2)  # the consumers of those events


# -- bulk ------------------------------------------------------------------------------------------------

def _ready(target: Target, count: int):
    """(portal, sink, contacts, signed-in staff, invitation template): `count` contacts exist, the stack is
    quiet and the sink empty."""
    portal, sink = Portal(target), MailSink(target.mail_api)
    contacts = portal.ensure_contacts(count)
    staff = portal.staff()
    template = staff.get(target.gateway + "/api/identity/staff/invitation-template", timeout=30).json()
    wait_until_quiet(target)
    sink.clear()
    return portal, sink, contacts, staff, template


def bulk(target: Target, count: int = 10_000, timeout: float = 900, ceiling: str = "") -> list[Row]:
    portal, sink, contacts, staff, template = _ready(target, count)

    started_wall, started = datetime.now(UTC), time.monotonic()
    for first in range(0, count, BATCH_LIMIT):
        recipients = [{"contact_id": cid} for cid, _ in contacts[first:first + BATCH_LIMIT]]
        answer = staff.post(target.gateway + "/api/identity/staff/invitation-batches", timeout=60,
                            headers={"Idempotency-Key": uuid.uuid4().hex},
                            json={"subject": template["subject"], "body": template["body"], "recipients": recipients})
        if answer.status_code != 202:
            raise RuntimeError(f"bulk invite answered {answer.status_code}: {answer.text[:300]}")
    accepted = time.monotonic() - started
    target.log(f"  {count // BATCH_LIMIT + (count % BATCH_LIMIT > 0)} batches accepted in {accepted:.1f} s")

    deadline, last_total, marks = started + timeout, 0, []
    while time.monotonic() < deadline:
        total = sink.total()
        if total // 1000 > last_total // 1000:
            marks.append((total, time.monotonic() - started))
        last_total = total
        if total >= count:
            break
        time.sleep(0.2)
    elapsed = time.monotonic() - started
    progress = ", ".join(f"{n:,} at {s:.1f} s" for n, s in marks)
    target.log(f"  in the sink: {progress}")

    messages = sink.messages()
    ours = {m["MessageID"] for m in messages if any(t["Address"].endswith("@bench.example") for t in m["To"])}
    last_arrival = max((created(m) for m in messages), default=None)
    in_sink = (last_arrival - started_wall).total_seconds() if last_arrival and last_total >= count else None
    target.log(f"  {len(ours):,} distinct invitation emails in the sink ({len(messages):,} messages)")
    milestones = bulk_milestones(target, started_wall)
    for name, seconds in milestones:
        target.log(f"  {name:<44} {seconds:7.1f} s")
    figure = f"{in_sink:.1f} s ({count / in_sink:,.0f} emails/s)" if in_sink else f"not all in {elapsed:.0f} s"
    target.log(f"{count:,} invitations until the last is in the mail sink: {figure}")
    return [Row(f"{count:,} bulk invitations until the last is in the mail sink", figure, ceiling,
                f"< {TARGET_BULK_SECONDS:.0f} s")] + [Row(f"… {name}", f"{s:.1f} s") for name, s in milestones]


def bulk_milestones(target: Target, since: datetime) -> list[tuple[str, float]]:
    """When the last invitation passed each stage, in seconds after the first request (from the databases)."""
    identity, notifications = target.database("identity"), target.database("notifications")
    if identity is None or notifications is None:
        return []
    queries = [
        (identity, "all invitations committed (identity outbox)",
         "SELECT max(created_at) FROM outbox WHERE event_type = 'invitation_created' AND created_at >= :t"),
        (identity, "all published (relay)",
         "SELECT max(published_at) FROM outbox WHERE event_type = 'invitation_created' AND created_at >= :t"),
        (notifications, "all taken by the emails consumer",
         "SELECT max(processed_at) FROM inbox WHERE event_type = 'invitation_created' AND processed_at >= :t"),
        (notifications, "all emails queued (outbound_messages)",
         "SELECT max(created_at) FROM outbound_messages WHERE template = 'invitation' AND created_at >= :t"),
        (notifications, "all sent (mail sender: SMTP accepted)",
         "SELECT max(sent_at) FROM outbound_messages WHERE template = 'invitation' AND created_at >= :t"),
    ]
    rows = []
    for engine, name, query in queries:
        with engine.connect() as conn:
            moment = conn.execute(sa.text(query), {"t": since}).scalar()
        if moment is not None:
            rows.append((name, (moment - since).total_seconds()))
    identity.dispose()
    notifications.dispose()
    return rows


# -- the mail sender alone --------------------------------------------------------------------------------

def sender_drain(target: Target, count: int = 5_000, timeout: float = 600) -> list[Row]:
    """`count` emails put in notifications' outbound queue in one transaction (as the consumer would queue
    them), timed until the sink holds them all: the mail sender, SMTP and the sink, nothing upstream."""
    engine = target.database("notifications")
    if engine is None:
        return []
    sink = MailSink(target.mail_api)
    sink.clear()
    body = "Hello,\n\nthis is a benchmark email of the mail sender.\n" * 20
    started_wall, started = datetime.now(UTC), time.monotonic()
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO outbound_messages (id, tenant_id, event_id, template, to_address, from_address, subject,"
            " text_body, html_body) SELECT gen_random_uuid(), gen_random_uuid(), gen_random_uuid(), 'bench',"
            " 'bench.sender.' || n || '@bench.example', 'Customer Portal <no-reply@portal.localhost>',"
            " 'Benchmark ' || n, :text, '<p>' || :text || '</p>' FROM generate_series(1, :count) AS n"),
            {"text": body, "count": count})
    while time.monotonic() - started < timeout and sink.total() < count:
        time.sleep(0.2)
    elapsed = time.monotonic() - started
    total = sink.total()
    figure = (f"{elapsed:.1f} s ({count / elapsed:,.0f} emails/s)" if total >= count
              else f"{total:,} of {count:,} in {elapsed:.0f} s")
    target.log(f"{count:,} queued emails until the last is in the mail sink: {figure}")
    with engine.connect() as conn:
        last = conn.execute(sa.text("SELECT max(sent_at) FROM outbound_messages WHERE template = 'bench' "
                                    "AND created_at >= :t"), {"t": started_wall}).scalar()
    engine.dispose()
    if last:
        target.log(f"  all sent (SMTP accepted) at {(last - started_wall).total_seconds():.1f} s")
    return [Row(f"{count:,} queued emails through the mail sender into the sink", figure)]


# -- event to email --------------------------------------------------------------------------------------

def event_to_email(target: Target, rate: float = 100.0, seconds: float = 20.0, timeout: float = 120) -> list[Row]:
    count = int(rate * seconds)
    portal, sink, contacts, staff, template = _ready(target, count)

    sent: dict[str, float] = {}     # email → wall time the request went out (the fallback start)
    failures: list[str] = []
    lock = threading.Lock()

    def invite(index: int, due: float) -> None:
        time.sleep(max(0.0, due - time.monotonic()))
        contact_id, email = contacts[index]
        at = time.time()
        answer = staff.post(target.gateway + "/api/identity/staff/invitations", timeout=30,
                            json={"subject": template["subject"], "body": template["body"],
                                  "recipients": [{"contact_id": contact_id}]})
        with lock:
            if answer.status_code == 200 and answer.json()["results"][0]["status"] == "sent":
                sent[email] = at
            else:
                failures.append(f"{answer.status_code} {answer.text[:200]}")

    started_wall, started = datetime.now(UTC), time.monotonic()
    with ThreadPoolExecutor(32) as pool:
        for i in range(count):
            pool.submit(invite, i, started + i / rate)
    sending = time.monotonic() - started
    target.log(f"  {len(sent):,} invitations sent in {sending:.1f} s ({len(sent) / sending:.0f}/s asked "
               f"{rate:.0f}/s); {len(failures)} failed{': ' + failures[0] if failures else ''}")

    commits = outbox_commits(target, started_wall, set(sent))
    source = "outbox commit" if commits else "request sent (no database: an upper bound)"
    return _latencies(target, sink, commits or sent, source, len(sent) / sending, rate, timeout)


def event_to_email_from_outbox(target: Target, rate: float = 100.0, seconds: float = 20.0,
                               timeout: float = 120) -> list[Row]:
    """The bus path alone at exactly `rate`: `invitation_created` events committed straight into identity's outbox
    (what invite_one's record_event writes), one transaction each, timed from that commit to the sink."""
    from portal_shared.bus.outbox import record_event
    from portal_shared.events import make_event
    from sqlalchemy.orm import Session

    engine = target.database("identity")
    if engine is None:
        return []
    sink = MailSink(target.mail_api)
    with engine.connect() as conn:
        tenant_id, branch_id = conn.execute(sa.text(
            "SELECT c.tenant_id, p.branch_id FROM contacts c JOIN property_roles r ON r.contact_id = c.id "
            "JOIN properties p ON p.id = r.property_id LIMIT 1")).one()
    engine.dispose()
    engine = sa.create_engine(f"{target.postgres_url.rstrip('/')}/{target.database_prefix}_identity", pool_size=1)
    wait_until_quiet(target)
    sink.clear()
    run_id, count = uuid.uuid4().hex[:6], int(rate * seconds)
    committed: dict[str, float] = {}
    started = time.monotonic()
    for i in range(count):
        time.sleep(max(0.0, started + i / rate - time.monotonic()))
        email = f"bench.event.{run_id}.{i}@bench.example"
        link = f"http://demo.localhost/invitation/bench-{run_id}-{i}"
        event = make_event("invitation_created", {
            "invitation_id": uuid.uuid4(), "contact_id": uuid.uuid4(), "to_email": email, "to_name": f"Bench {i}",
            "subject": "You're invited to the Customer Portal", "body_text": f"Hello,\n\nSet up your account: {link}\n",
            "link": link, "link_description": "Set up your account", "company_name": "Demo Landscaping",
            "sender": {"name": "Alex Admin", "email": "admin@example.com"},
            "expires_at": datetime.now(UTC)}, tenant_id=tenant_id, branch_id=branch_id)
        with Session(engine) as session, session.begin():
            record_event(session, event)
        committed[email] = time.time()
    sending = time.monotonic() - started
    engine.dispose()
    target.log(f"  {count:,} events committed to identity's outbox in {sending:.1f} s ({count / sending:.0f}/s)")
    return _latencies(target, sink, committed, "outbox commit", count / sending, rate, timeout)


def _latencies(target: Target, sink: MailSink, starts: dict[str, float], source: str, achieved: float,
               rate: float, timeout: float) -> list[Row]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and sink.total() < len(starts):
        time.sleep(0.5)
    arrivals = {}
    for message in sink.messages():
        for to in message["To"]:
            if to["Address"] in starts:
                arrivals.setdefault(to["Address"], created(message).timestamp())
    latencies = sorted(arrivals[e] - starts[e] for e in arrivals)
    if not latencies:
        target.log("  no email arrived")
        return [Row("event-to-email latency", "no email arrived", "", f"p99 < {TARGET_P99_SECONDS:.0f} s")]
    p50 = statistics.median(latencies)
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    target.log(f"  from {source} to the mail sink, {len(latencies):,} emails ({len(starts) - len(latencies)} "
               f"missing): p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, max {latencies[-1] * 1000:.0f} ms")
    figure = f"p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms"
    target.log(f"event-to-email at {achieved:.0f} events/s (asked {rate:.0f}/s): {figure}")
    return [Row(f"event-to-email latency at {achieved:.0f} events/s, from the {source}", figure,
                "", f"p99 < {TARGET_P99_SECONDS * 1000:.0f} ms at 100 events/s")]


def outbox_commits(target: Target, since: datetime, emails: set[str]) -> dict[str, float]:
    engine = target.database("identity")
    if engine is None:
        return {}
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text(
                "SELECT payload->'data'->>'to_email', created_at FROM outbox "
                "WHERE event_type = 'invitation_created' AND created_at >= :t"), {"t": since}).all()
    except sa.exc.SQLAlchemyError as exc:
        target.log(f"  identity's database is not readable ({str(exc).splitlines()[0]}): timing from the requests")
        return {}
    finally:
        engine.dispose()
    return {email: moment.timestamp() for email, moment in rows if email in emails}


# -- the harness and the command line ---------------------------------------------------------------------

def target_of(running, log=print) -> Target:
    """The Target of a stack started by portal_devstack (benchmarks/harness.py's bench_stack)."""
    stack = running.stack
    return Target(gateway=running.gateway, branch_host=running.host("demo"), platform_host=running.host(),
                  mail_api=stack.mail_api, operator_token=stack.operator_token, postgres_url=stack.postgres_url,
                  database_prefix=stack.database_prefix, log=log)


def run(running) -> list[Row]:
    """For benchmarks/run_all.py: the mail sender alone (the ceiling), then 10,000 bulk invitations."""
    target = target_of(running)
    alone = sender_drain(target, 5_000)
    return bulk(target, 10_000, ceiling=f"the sender and sink alone: {alone[0].figure}" if alone else "") + alone


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("mode", choices=["bulk", "event-to-email", "sender", "both"])
    parser.add_argument("--gateway", default=Target.gateway)
    parser.add_argument("--branch-host", default=Target.branch_host, help="Host header of the branch portal")
    parser.add_argument("--platform-host", default=Target.platform_host, help="Host header of the bare platform")
    parser.add_argument("--mail-api", default=Target.mail_api)
    parser.add_argument("--operator-token", default=Target.operator_token)
    parser.add_argument("--postgres-url", default=Target.postgres_url)
    parser.add_argument("--database-prefix", default=Target.database_prefix,
                        help="the stack's databases (<prefix>_identity, ...) for milestones; '' to skip them")
    parser.add_argument("--count", type=int, default=10_000, help="bulk: invitations")
    parser.add_argument("--rate", type=float, default=100.0, help="event-to-email: invitations per second")
    parser.add_argument("--seconds", type=float, default=20.0, help="event-to-email: for how long")
    parser.add_argument("--producer", choices=["outbox", "api"], default="outbox",
                        help="event-to-email: events committed straight into identity's outbox (default: exactly "
                             "--rate), or single invitations through the staff API (as fast as identity answers)")
    args = parser.parse_args(argv)
    target = Target(gateway=args.gateway.rstrip("/"), branch_host=args.branch_host, platform_host=args.platform_host,
                    mail_api=args.mail_api, operator_token=args.operator_token, postgres_url=args.postgres_url,
                    database_prefix=args.database_prefix or None)
    if args.mode in ("bulk", "both"):
        bulk(target, args.count)
    if args.mode in ("event-to-email", "both"):
        if args.producer == "api":
            event_to_email(target, args.rate, args.seconds)
        else:
            event_to_email_from_outbox(target, args.rate, args.seconds)
    if args.mode == "sender":
        sender_drain(target, args.count)
    return 0


if __name__ == "__main__":
    sys.exit(main())
