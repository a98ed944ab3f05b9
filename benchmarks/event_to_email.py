"""Event-to-email latency at a steady 100 events/s for 20 s: from each `invitation_created` outbox commit to its
email's arrival in the mail sink, p50 and p99. Prints figures; asserts nothing.

    .venv/bin/python benchmarks/event_to_email.py          # against `make run` (see invitations.py's options)

The event is the simplest real one that sends one email: a staff member's single invitation (identity's
POST /api/identity/staff/invitations), which identity's relay publishes and notifications turns into one
email. The measuring is in invitations.py (`event-to-email` mode); this is its entry for run_all.py.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import Row  # noqa: E402
from invitations import event_to_email, main, target_of  # noqa: E402


def run(running) -> list[Row]:
    return event_to_email(target_of(running), rate=100.0, seconds=20.0)


if __name__ == "__main__":
    sys.exit(main(["event-to-email", *sys.argv[1:]]))
