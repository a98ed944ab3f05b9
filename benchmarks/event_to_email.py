"""Event-to-email latency at a steady 100 events/s for 20 s: from each `invitation_created` outbox commit to its
email's arrival in the mail sink, p50 and p99. Prints figures; asserts nothing.

    .venv/bin/python benchmarks/event_to_email.py          # against `make run` (see invitations.py's options)

The event is the simplest real one that sends one email: `invitation_created`, committed into identity's
outbox one transaction each at exactly the rate (what a staff member's invitation commits), published by
identity's relay and turned into one email by notifications. `--producer api` sends single invitations
through the staff API instead (POST /api/identity/staff/invitations): the same path with identity's web
process in front, which on a busy 2-core machine answers fewer than 100 a second. The measuring is in
invitations.py (`event-to-email` mode); this is its entry for run_all.py.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import Row  # noqa: E402
from invitations import event_to_email_from_outbox, main, target_of  # noqa: E402


def run(running) -> list[Row]:
    return event_to_email_from_outbox(target_of(running), rate=100.0, seconds=20.0)


if __name__ == "__main__":
    sys.exit(main(["event-to-email", *sys.argv[1:]]))
