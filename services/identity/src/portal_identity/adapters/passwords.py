"""argon2id hashing. Parameters come from the environment, chosen from benchmarks/login_throughput.py
(see docs/adr/0008-argon2-parameters.md); a stored hash made with older parameters is upgraded at
the next successful sign-in."""
from __future__ import annotations

import argon2
from argon2.exceptions import InvalidHashError, VerificationError

from portal_shared.config import env_int


def hasher_from_env() -> argon2.PasswordHasher:
    return argon2.PasswordHasher(
        time_cost=env_int("ARGON2_TIME_COST", 2),
        memory_cost=env_int("ARGON2_MEMORY_KIB", 19456),
        parallelism=env_int("ARGON2_PARALLELISM", 1),
        type=argon2.Type.ID,
    )


class Passwords:
    def __init__(self, hasher: argon2.PasswordHasher | None = None):
        self.hasher = hasher or hasher_from_env()
        # Verified when the account does not exist, so both cases take the same time.
        self._dummy = self.hasher.hash("not-a-real-password-for-timing-only")

    def hash(self, password: str) -> str:
        return self.hasher.hash(password)

    def verify(self, stored: str | None, password: str) -> bool:
        try:
            return self.hasher.verify(stored or self._dummy, password) and stored is not None
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored: str) -> bool:
        return self.hasher.check_needs_rehash(stored)
