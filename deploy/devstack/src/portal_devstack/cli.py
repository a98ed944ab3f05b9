"""`portal-dev`: the commands behind `make run`.

    portal-dev run        # preflight, migrate, seed, start everything in the foreground (Ctrl-C stops)
    portal-dev migrate    # create and migrate every service's database
    portal-dev seed       # apply deploy/demo-data.json (idempotent)
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

import requests

from portal_devstack.preflight import problems
from portal_devstack.stack import BIN, MIGRATED, ROOT, WORKERS, Stack

DEMO_DATA = ROOT / "deploy" / "demo-data.json"
# The services whose parts of the demo exist so far; each feature adds its seeder here.
# Before start: seeds that need nothing running. After start: seeds that need other services'
# events first (identity waits for portal-config's branches to reach its read model; billing, after
# identity, for identity's properties and contacts to reach its directory read model; proposals likewise;
# visits likewise, for the properties and their sales reps).
SEEDERS_BEFORE_START = ["portal-config"]
SEEDERS_AFTER_START = ["portal-identity", "portal-billing", "portal-proposals", "portal-visits", "portal-requests"]


def preflight(stack: Stack) -> None:
    found = problems(stack.postgres_url, stack.amqp_url, stack.redis_url)
    if found:
        print("Cannot start the portal:\n", file=sys.stderr)
        for problem in found:
            print(f"  - {problem}\n", file=sys.stderr)
        sys.exit(1)


def migrate(stack: Stack) -> None:
    from portal_shared.logging import configure_logging
    from portal_shared.migrations import upgrade

    configure_logging("devstack", "WARNING")
    for service, package in MIGRATED.items():
        upgrade(package, stack.database_url(service))
        print(f"  migrated {service:<14} {stack.database_url(service)}")
    env = {**stack.common_env(), "LOG_LEVEL": "WARNING"}
    for command in WORKERS.values():
        # Queues exist before the seed publishes anything, even on the very first run.
        subprocess.run([str(BIN / command), "declare-topology"], env=env, check=True, capture_output=True)
    print(f"  declared the bus topology in namespace '{stack.namespace}'")
    # The gateway checks API keys in Redis only (ADR 0012); after a Redis restart or flush they
    # must be published again from identity's database (its worker does so too when it starts).
    subprocess.run([str(BIN / "portal-identity"), "sync-api-keys"], env=env, check=True)


def seed(stack: Stack, seeders: list[str] = SEEDERS_BEFORE_START) -> None:
    env = stack.common_env()
    env["LOG_LEVEL"] = "WARNING"
    for command in seeders:
        subprocess.run([str(BIN / command), "seed", str(DEMO_DATA)], env=env, check=True)
    print(f"  seeded {', '.join(seeders)} from {DEMO_DATA.relative_to(ROOT)}", flush=True)


def backfill(stack: Stack) -> None:
    """Read models that may have missed events (a database older than its consumer) catch up."""
    env = {**stack.common_env(), "LOG_LEVEL": "WARNING"}
    subprocess.run([str(BIN / "portal-identity"), "backfill-branches"], env=env, check=True)
    # billing's directory (properties, contacts) may be newer than identity's data: a dev database
    # from before it would leave billing's seed waiting. Readers that hold a revision ignore it again.
    subprocess.run([str(BIN / "portal-identity"), "republish-directory"], env=env, check=True)


def banner(stack: Stack) -> str:
    gw = stack.gateway_port
    return f"""
  ┌──────────────────────────────────────────────────────────────────────────┐
    Customer portal is up.

    Portals       http://demo.localhost:{gw}/        (Demo Landscaping, St. Louis)
                  http://demo-west.localhost:{gw}/   (Demo Landscaping, West County)
    Readiness     http://localhost:{gw}/readyz     (and /metrics; both with the header below)
    Admin API     http://localhost:{gw}/api/portal-config/companies
                  Authorization: Bearer {stack.operator_token}
    Mail sink     {stack.mail_api}/   (SMTP on 127.0.0.1:{stack.port(1025)})
    Webhooks      {stack.webhook_receiver}/   (dev receiver: register {stack.webhook_receiver}/hooks/erp)
    Payments      {stack.payment_sandbox}/cardconnect/rest/   (sandbox processor; test cards in its README)

    Customer      camilla@example.com / demo-customer-pass   (sign in at /login)
    Staff         admin@example.com / demo-admin-pass        (staff console at /staff/)
                  more demo logins in the README
    Ctrl-C stops everything.
  └──────────────────────────────────────────────────────────────────────────┘
"""


def wait_and_announce(stack: Stack, say=print) -> None:
    """Once the gateway says all is ready, applies the seeds that need running services, then prints
    the banner. Runs on a thread of `run` (or alone: `portal-dev announce`)."""
    deadline = time.monotonic() + 120
    url = f"http://127.0.0.1:{stack.gateway_port}/readyz"
    while time.monotonic() < deadline:
        try:
            if requests.get(url, headers=stack.operator_headers(), timeout=2).status_code == 200:
                backfill(stack)
                seed(stack, SEEDERS_AFTER_START)
                print(banner(stack), flush=True)
                return
        except requests.RequestException:
            pass
        time.sleep(1)
    say(f"Not every service became ready within 2 minutes: see {url}")


def run(stack: Stack) -> None:
    import threading

    from portal_devstack.supervisor import Supervisor

    preflight(stack)
    print("Preparing databases…", flush=True)
    # In a process of its own: Alembic and every service's models stay out of this one, which stays up
    # (as the supervisor) as long as the stack does.
    subprocess.run([str(BIN / "portal-dev"), "migrate"], check=True)
    seed(stack)
    stack.run_dir.mkdir(exist_ok=True)
    supervisor = Supervisor()
    for process in stack.processes():
        supervisor.add(process.name, process.command, process.env)
    threading.Thread(target=wait_and_announce, args=(stack, lambda line: supervisor.say("ready", line)),
                     name="announce", daemon=True).start()
    sys.exit(supervisor.run())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="portal-dev", description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=["run", "migrate", "seed", "preflight", "announce"])
    args = parser.parse_args(argv)
    stack = Stack(port_offset=int(os.environ.get("PORT_OFFSET", "0")))
    if args.command == "run":
        run(stack)
    elif args.command == "preflight":
        preflight(stack)
        print("PostgreSQL, RabbitMQ and Redis are reachable.")
    elif args.command == "migrate":
        preflight(stack)
        migrate(stack)
    elif args.command == "seed":
        preflight(stack)
        seed(stack, SEEDERS_BEFORE_START + SEEDERS_AFTER_START)
    elif args.command == "announce":
        wait_and_announce(stack)
    return 0


if __name__ == "__main__":
    sys.exit(main())
