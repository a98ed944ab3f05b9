"""Rules of delivering an outbound message: its states and when to try again. No I/O.

queued → sent, or queued → failed once the mail server has *rejected* it `max_attempts`
times. An unreachable or temporarily unwilling server (an outage) only delays a message: it
stays queued, retried with capped exponential backoff, however long the outage lasts.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

QUEUED, SENT, FAILED = "queued", "sent", "failed"
STATUSES = (QUEUED, SENT, FAILED)


@dataclass(frozen=True)
class RetryPolicy:
    base_delay: timedelta = timedelta(seconds=30)
    max_delay: timedelta = timedelta(hours=1)
    max_attempts: int = 8

    def delay(self, attempts: int) -> timedelta:
        """Wait after the `attempts`-th failed try: base, 2×base, 4×base, … capped at max_delay."""
        exponent = min(max(attempts - 1, 0), 30)  # bounded so the multiplication cannot overflow
        return min(self.max_delay, self.base_delay * (2 ** exponent))

    def next_attempt_at(self, attempts: int, now: datetime) -> datetime:
        return now + self.delay(attempts)

    def gives_up(self, attempts: int, *, rejected: bool) -> bool:
        """Only rejections end in `failed`; outages never drop mail."""
        return rejected and attempts >= self.max_attempts
