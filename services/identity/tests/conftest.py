"""Tests of the identity service: what is real and what is faked.

Nothing is faked, except the cost of argon2: every test hashes with
`Passwords(argon2.PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))` so the suite
stays fast (production parameters come from the environment, see adapters/passwords.py). The
hashing code, the verification and the dummy-hash timing path are the real ones.

unit/ does no I/O: name, email and password rules, roles and permissions, the invitation
template and link tokens are plain functions, tested as they are.

integration/ uses the real servers (see integration/conftest.py for the details):
- PostgreSQL (TEST_POSTGRES_URL): one throwaway database per test session, created and migrated
  by the service's own Alembic migrations (`portal_testkit.testing.throwaway_database`), emptied
  before every test and dropped at the end;
- Redis (TEST_REDIS_URL): the real `SessionStore` and the real Flask-Limiter storage, in a
  namespace of their own whose keys are deleted after every test;
- events are checked where identity writes them: the rows of its outbox table (the relay and
  the broker are tested in shared/tests; RabbitMQ is only contacted by the /readyz check);
- the app is the real `create_app(Bootstrap(...))` driven through Flask's test client, with
  requests carrying the identity token the gateway would sign (`X-Portal-Identity`).
If a server cannot be reached the tests FAIL saying which; they never skip.
"""
from __future__ import annotations

import argon2
import pytest

from portal_identity.adapters.passwords import Passwords


@pytest.fixture(scope="session")
def cheap_passwords() -> Passwords:
    """The real Passwords adapter, with argon2 parameters cheap enough for tests."""
    return Passwords(argon2.PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture(scope="session")
def seed_messages() -> dict[str, str]:
    """The seeds' wording, written out here so a change to the service's constants shows up as a failure."""
    return {
        "first_name": "First name must have at least 2 characters. Numbers and special characters are not allowed.",
        "last_name": "Last name must have at least 1 character. Numbers and special characters are not allowed.",
        "email": "Enter a valid email",
    }
