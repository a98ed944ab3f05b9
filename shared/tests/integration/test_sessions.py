"""SessionStore against the real Redis (TEST_REDIS_URL): each test in a namespace of its own,
whose keys are deleted afterwards. Nothing is faked."""
from __future__ import annotations

import hashlib
import json
import time
import uuid

import pytest

from portal_shared.sessions import ABSOLUTE_TTL_SECONDS, Session, SessionStore
from portal_testkit.testing import require_reachable, unique

pytestmark = pytest.mark.integration

TENANT = "7f1f0c5e-7b4c-4a53-9c1a-2b0b4e2f6a11"
BRANCH = "0b8e2f5c-3d1a-4e6f-9a7b-5c4d3e2f1a00"


@pytest.fixture
def store():
    store = SessionStore(require_reachable().redis_url, namespace=unique("sessiontest"), ttl_seconds=600)
    yield store
    keys = list(store.client.scan_iter(match=f"{store.namespace}:*"))
    if keys:
        store.client.delete(*keys)
    store.client.close()


def namespace_contents(store: SessionStore) -> dict[str, object]:
    """Every key of the store's namespace with its value (strings as text, sets as sorted lists)."""
    contents: dict[str, object] = {}
    for raw_key in store.client.scan_iter(match=f"{store.namespace}:*"):
        key = raw_key.decode()
        kind = store.client.type(raw_key).decode()
        if kind == "string":
            contents[key] = store.client.get(raw_key).decode()
        elif kind == "set":
            contents[key] = sorted(m.decode() for m in store.client.smembers(raw_key))
        else:
            contents[key] = kind
    return contents


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def new_customer(store: SessionStore, **overrides) -> tuple[str, str]:
    contact_id = str(uuid.uuid4())
    values = dict(kind="customer", account_id=contact_id, tenant_id=TENANT, branch_id=BRANCH)
    values.update(overrides)
    return store.create(**values), values["account_id"]


def test_a_created_session_is_read_back_with_everything_it_was_created_with(store):
    before = time.time()
    session_id, contact_id = new_customer(store)
    session = store.get(session_id)
    assert session == Session(kind="customer", account_id=contact_id, tenant_id=TENANT, branch_id=BRANCH,
                              created_at=session.created_at)
    assert before <= session.created_at <= time.time()
    assert session.claims() == {"account_kind": "customer", "account_id": contact_id, "session_tenant_id": TENANT}


def test_a_session_without_a_branch_is_read_back_with_branch_id_none(store):
    session_id = store.create(kind="staff", account_id="42", tenant_id=TENANT)
    assert store.get(session_id).branch_id is None


def test_session_ids_are_long_random_and_different_each_time(store):
    ids = {new_customer(store)[0] for _ in range(20)}
    assert len(ids) == 20
    assert all(len(i) >= 40 for i in ids)


def test_the_session_is_stored_under_the_sha256_of_its_id_and_the_raw_id_is_nowhere_in_redis(store):
    session_id, contact_id = new_customer(store)
    contents = namespace_contents(store)
    session_key = f"{store.namespace}:session:{sha256(session_id)}"
    account_key = f"{store.namespace}:account-sessions:customer:{contact_id}"
    assert set(contents) == {session_key, account_key}
    assert contents[account_key] == [sha256(session_id)]
    assert json.loads(contents[session_key])["account_id"] == contact_id
    everything = json.dumps(contents)
    assert session_id not in everything
    assert store.client.get(f"{store.namespace}:session:{session_id}") is None


def test_the_session_key_expires_after_the_idle_timeout_and_the_account_index_after_a_week(store):
    session_id, contact_id = new_customer(store)
    assert 590 <= store.client.ttl(f"{store.namespace}:session:{sha256(session_id)}") <= 600
    account_ttl = store.client.ttl(f"{store.namespace}:account-sessions:customer:{contact_id}")
    assert ABSOLUTE_TTL_SECONDS - 10 <= account_ttl <= ABSOLUTE_TTL_SECONDS


def test_a_deleted_session_is_gone_and_leaves_the_account_s_other_sessions(store):
    first, contact_id = new_customer(store)
    second, _ = new_customer(store, account_id=contact_id)
    store.delete(first)
    assert store.get(first) is None
    assert store.get(second) is not None
    assert namespace_contents(store)[f"{store.namespace}:account-sessions:customer:{contact_id}"] == [sha256(second)]


def test_deleting_an_unknown_session_does_nothing(store):
    new_customer(store)
    before = namespace_contents(store)
    store.delete("no-such-session")
    assert namespace_contents(store) == before


def test_revoke_all_ends_every_session_of_the_account_and_only_that_account_s(store):
    a1, contact_a = new_customer(store)
    a2, _ = new_customer(store, account_id=contact_a, branch_id=None)
    b1, contact_b = new_customer(store)
    staff_same_id = store.create(kind="staff", account_id=contact_a, tenant_id=TENANT)  # another kind of account
    assert store.revoke_all(kind="customer", account_id=contact_a) == 2
    assert store.get(a1) is None and store.get(a2) is None
    assert store.get(b1).account_id == contact_b
    assert store.get(staff_same_id).kind == "staff"
    assert f"{store.namespace}:account-sessions:customer:{contact_a}" not in namespace_contents(store)


def test_revoke_all_of_an_account_without_sessions_ends_nothing(store):
    live, _ = new_customer(store)
    assert store.revoke_all(kind="customer", account_id=str(uuid.uuid4())) == 0
    assert store.get(live) is not None


def test_get_renews_the_idle_timeout(store):
    session_id, _ = new_customer(store)
    key = f"{store.namespace}:session:{sha256(session_id)}"
    store.client.expire(key, 5)
    assert store.client.ttl(key) <= 5
    assert store.get(session_id) is not None
    assert store.client.ttl(key) > 500


def test_a_session_older_than_the_absolute_lifetime_is_not_returned_and_is_removed(store):
    session_id, contact_id = new_customer(store)
    key = f"{store.namespace}:session:{sha256(session_id)}"
    record = json.loads(store.client.get(key))
    record["created_at"] = time.time() - ABSOLUTE_TTL_SECONDS - 60
    store.client.set(key, json.dumps(record), ex=600)
    assert store.get(session_id) is None
    assert store.client.exists(key) == 0


def _plant(store: SessionStore, session_id: str) -> None:
    """A valid record stored under `session_id`'s digest, as if create() had made that id."""
    record = {"kind": "customer", "account_id": "planted", "tenant_id": TENANT, "branch_id": None,
              "created_at": time.time()}
    store.client.set(f"{store.namespace}:session:{sha256(session_id)}", json.dumps(record), ex=600)


def test_an_over_long_id_returns_none_even_when_its_digest_is_stored(store):
    too_long = "x" * 201
    _plant(store, too_long)
    assert store.get(too_long) is None


def test_an_id_of_exactly_200_characters_is_still_looked_up(store):
    longest = "y" * 200
    _plant(store, longest)
    assert store.get(longest).account_id == "planted"


@pytest.mark.parametrize("value", [None, "", "unknown-id"])
def test_no_id_an_empty_id_or_an_unknown_id_returns_none(store, value):
    new_customer(store)
    assert store.get(value) is None


def test_ping_answers_on_a_reachable_redis(store):
    store.ping()
