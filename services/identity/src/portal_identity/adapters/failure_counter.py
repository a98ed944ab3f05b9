"""Failed-attempt counters in Redis: moving windows in which only failures stay counted.

An attempt takes a slot in every counter it belongs to *before* the password is checked (one
atomic script), so parallel guesses cannot all slip under a limit at once; when the answer is not
a failure the slot is given back. So a success never counts, and a refusal names the exact wait:
until the oldest failure that keeps the counter full leaves the window.
"""
from __future__ import annotations

import math
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import redis

# KEYS: the counters; ARGV: now (ms), window (ms), member, then each counter's limit.
# Answers 0 when a slot was taken in every counter, else the milliseconds to wait.
_TAKE = """
local now, window, member = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local wait = 0
for i, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  local limit = tonumber(ARGV[3 + i])
  local count = redis.call('ZCARD', key)
  if count >= limit then
    local frees = redis.call('ZRANGE', key, count - limit, count - limit, 'WITHSCORES')
    local until_free = tonumber(frees[2]) + window - now
    if until_free > wait then wait = until_free end
  end
end
if wait > 0 then return wait end
for _, key in ipairs(KEYS) do
  redis.call('ZADD', key, now, member)
  redis.call('PEXPIRE', key, window)
end
return 0
"""


@dataclass(frozen=True)
class Counter:
    key: str
    limit: int


@dataclass(frozen=True)
class Slot:
    """A taken slot: `give_back()` when the attempt turned out not to be a failure."""

    counter: "FailureCounter"
    keys: tuple[str, ...]
    member: str

    def give_back(self) -> None:
        pipe = self.counter.client.pipeline(transaction=False)
        for key in self.keys:
            pipe.zrem(key, self.member)
        pipe.execute()


class LimitReached(Exception):
    def __init__(self, retry_after_seconds: int):
        super().__init__(f"retry after {retry_after_seconds} s")
        self.retry_after_seconds = retry_after_seconds


class FailureCounter:
    def __init__(self, client: redis.Redis):
        self.client = client
        self._take = client.register_script(_TAKE)

    def take(self, counters: Sequence[Counter], *, window_seconds: int, now: float | None = None) -> Slot:
        """A slot in each counter, or LimitReached with the whole seconds to wait (at least 1)."""
        member = uuid.uuid4().hex
        now_ms = int((time.time() if now is None else now) * 1000)
        wait_ms = int(self._take(keys=[c.key for c in counters],
                                 args=[now_ms, window_seconds * 1000, member, *[c.limit for c in counters]]))
        if wait_ms > 0:
            raise LimitReached(max(1, math.ceil(wait_ms / 1000)))
        return Slot(self, tuple(c.key for c in counters), member)
