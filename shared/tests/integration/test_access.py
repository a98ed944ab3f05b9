"""portal_shared.access against the real PostgreSQL: applying property_access_changed and reading
who may see which property and what they may do there. A throwaway database holds only the two
access tables."""
from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from portal_shared.access.consumer import PropertyOfAnotherTenant, apply_property_access
from portal_shared.access.guard import Customer, authorize
from portal_shared.access.query import may, permissions_on, visible_property_ids
from portal_shared.access.tables import define_property_access_tables
from portal_shared.errors import Forbidden, NotFound
from portal_shared.db import Database, drop_database, ensure_database_exists
from portal_shared.events import make_event
from portal_shared.events.envelope import Envelope
from portal_testkit.testing import require_reachable, unique

metadata = sa.MetaData()
define_property_access_tables(metadata)


def new_id() -> str:
    return str(uuid.uuid4())


@pytest.fixture
def access_db():
    url = f"{require_reachable().postgres_url.rstrip('/')}/{unique('portaltest_access')}"
    ensure_database_exists(url)
    database = Database(url)
    metadata.create_all(database.engine)
    yield database
    database.dispose()
    drop_database(url)


@pytest.fixture
def apply(access_db):
    """apply(tenant, branch, property, {contact: [roles]}, revision, permissions={contact: [...]}) -> applied?,
    in its own transaction."""

    def run(tenant_id, branch_id, property_id, access, revision, permissions=None):
        event = make_event("property_access_changed", {
            "property_id": property_id, "branch_id": branch_id, "revision": revision,
            "access": [{"contact_id": c, "roles": r, "permissions": (permissions or {}).get(c, [])}
                       for c, r in access.items()],
        }, tenant_id=tenant_id, branch_id=branch_id)
        with access_db.unit_of_work() as session:
            return apply_property_access(session, event)

    return run


def rows(db, property_id) -> dict[str, tuple[list[str], str, int]]:
    with db.engine.connect() as conn:
        result = conn.execute(sa.text("SELECT contact_id, roles, branch_id, revision FROM property_access "
                                      "WHERE property_id = :p"), {"p": property_id})
        return {str(c): (list(r), str(b), rev) for c, r, b, rev in result}


def visible(db, **kwargs) -> list[str]:
    with db.unit_of_work() as session:
        return visible_property_ids(session, **kwargs)


TENANT, BRANCH = new_id(), new_id()


def test_an_event_is_stored_as_one_row_per_contact_with_its_roles_branch_and_revision(access_db, apply):
    prop, ann, bob = new_id(), new_id(), new_id()
    assert apply(TENANT, BRANCH, prop, {ann: ["Primary", "Billing"], bob: ["Other"]}, 1) is True
    assert rows(access_db, prop) == {ann: (["Billing", "Primary"], BRANCH, 1), bob: (["Other"], BRANCH, 1)}


def test_a_newer_event_replaces_the_whole_list_of_the_property_and_no_other(access_db, apply):
    prop, other_prop, ann, bob, cy = new_id(), new_id(), new_id(), new_id(), new_id()
    new_branch = new_id()
    apply(TENANT, BRANCH, prop, {ann: ["Primary"], bob: ["Other"]}, 1)
    apply(TENANT, BRANCH, other_prop, {ann: ["Primary"]}, 1)
    assert apply(TENANT, new_branch, prop, {bob: ["Billing"], cy: ["Other"]}, 2) is True
    assert rows(access_db, prop) == {bob: (["Billing"], new_branch, 2), cy: (["Other"], new_branch, 2)}
    assert rows(access_db, other_prop) == {ann: (["Primary"], BRANCH, 1)}


def test_an_event_not_newer_than_the_stored_revision_is_ignored(access_db, apply):
    prop, ann, bob = new_id(), new_id(), new_id()
    apply(TENANT, BRANCH, prop, {ann: ["Primary"]}, 3)
    assert apply(TENANT, BRANCH, prop, {bob: ["Primary"]}, 2) is False
    assert apply(TENANT, BRANCH, prop, {bob: ["Primary"]}, 3) is False
    assert rows(access_db, prop) == {ann: (["Primary"], BRANCH, 3)}


def test_access_taken_from_everyone_is_not_given_back_by_a_late_older_event(access_db, apply):
    prop, ann = new_id(), new_id()
    apply(TENANT, BRANCH, prop, {ann: ["Primary"]}, 1)
    assert apply(TENANT, BRANCH, prop, {}, 3) is True
    assert rows(access_db, prop) == {}
    assert apply(TENANT, BRANCH, prop, {ann: ["Primary"]}, 2) is False
    assert visible(access_db, tenant_id=TENANT, branch_id=BRANCH, contact_id=ann) == []


def test_a_contact_listed_without_roles_gets_no_access(access_db, apply):
    prop, ann, bob = new_id(), new_id(), new_id()
    apply(TENANT, BRANCH, prop, {ann: [], bob: ["Other"]}, 1)
    assert set(rows(access_db, prop)) == {bob}


def test_an_event_naming_a_property_of_another_tenant_is_refused(access_db, apply):
    prop, ann, intruder = new_id(), new_id(), new_id()
    apply(TENANT, BRANCH, prop, {ann: ["Primary"]}, 1)
    with pytest.raises(PropertyOfAnotherTenant):
        apply(new_id(), new_id(), prop, {intruder: ["Primary"]}, 5)
    assert set(rows(access_db, prop)) == {ann}


def test_a_malformed_event_raises_and_changes_nothing(access_db):
    prop = new_id()
    broken = Envelope(type="property_access_changed", tenant_id=TENANT, branch_id=BRANCH, data={
        "property_id": prop, "branch_id": BRANCH, "revision": 1, "access": [{"contact_id": "nobody", "roles": ["x"]}]})
    with pytest.raises(ValueError), access_db.unit_of_work() as session:
        apply_property_access(session, broken)
    assert rows(access_db, prop) == {}


def test_visible_properties_are_the_contacts_in_this_branch_intersected_with_the_request(access_db, apply):
    p1, p2, p3, elsewhere, ann, bob = (new_id() for _ in range(6))
    apply(TENANT, BRANCH, p1, {ann: ["Primary"]}, 1)
    apply(TENANT, BRANCH, p2, {ann: ["Billing"], bob: ["Primary"]}, 1)
    apply(TENANT, BRANCH, p3, {bob: ["Primary"]}, 1)
    apply(TENANT, new_id(), elsewhere, {ann: ["Primary"]}, 1)
    me = {"tenant_id": TENANT, "branch_id": BRANCH, "contact_id": ann}
    assert visible(access_db, **me) == sorted([p1, p2])
    assert visible(access_db, **me, requested=[p2, p3, elsewhere, new_id(), "not-a-uuid"]) == [p2]
    assert visible(access_db, **me, requested=[p2.upper()]) == [p2]
    assert visible(access_db, **me, requested=[]) == []


def test_another_tenants_properties_are_never_visible_even_for_the_same_contact_and_branch_ids(access_db, apply):
    ann, ours, theirs = new_id(), new_id(), new_id()
    other_tenant = new_id()
    apply(TENANT, BRANCH, ours, {ann: ["Primary"]}, 1)
    apply(other_tenant, BRANCH, theirs, {ann: ["Primary"]}, 1)
    assert visible(access_db, tenant_id=TENANT, branch_id=BRANCH, contact_id=ann, requested=[ours, theirs]) == [ours]
    assert visible(access_db, tenant_id=other_tenant, branch_id=BRANCH, contact_id=ann) == [theirs]
    assert visible(access_db, tenant_id="not-a-uuid", branch_id=BRANCH, contact_id=ann) == []


def test_what_a_contact_may_do_is_stored_as_identity_published_it_and_asked_per_property(access_db, apply):
    prop, elsewhere, ann, bob = new_id(), new_id(), new_id(), new_id()
    apply(TENANT, BRANCH, prop, {ann: ["Primary"], bob: ["Other"]}, 1, permissions={ann: ["pay", "sign"]})
    apply(TENANT, new_id(), elsewhere, {ann: ["Primary"]}, 1, permissions={ann: ["pay", "sign"]})
    with access_db.unit_of_work() as session:
        me = {"tenant_id": TENANT, "branch_id": BRANCH, "contact_id": ann}
        assert permissions_on(session, **me, property_id=prop) == {"pay", "sign"}
        assert may(session, **me, property_id=prop, permission="pay") is True
        assert may(session, tenant_id=TENANT, branch_id=BRANCH, contact_id=bob, property_id=prop,
                   permission="sign") is False
        assert permissions_on(session, tenant_id=TENANT, branch_id=BRANCH, contact_id=bob, property_id=prop) == set()
        # Another branch's property, an unknown one, another tenant, garbage: not visible at all.
        assert permissions_on(session, **me, property_id=elsewhere) is None
        assert permissions_on(session, **me, property_id=new_id()) is None
        assert permissions_on(session, **{**me, "tenant_id": new_id()}, property_id=prop) is None
        assert may(session, **me, property_id="not-a-uuid", permission="pay") is False


def test_authorize_answers_404_for_an_unseen_property_and_403_for_a_role_without_the_permission(access_db, apply):
    prop, ann, bob = new_id(), new_id(), new_id()
    apply(TENANT, BRANCH, prop, {ann: ["Billing"], bob: ["Other"]}, 1, permissions={ann: ["pay", "sign"]})
    with access_db.unit_of_work() as session:
        authorize(session, Customer(TENANT, BRANCH, ann), prop, "pay")
        authorize(session, Customer(TENANT, BRANCH, bob), prop)  # seeing it is enough here
        with pytest.raises(Forbidden) as refused:
            authorize(session, Customer(TENANT, BRANCH, bob), prop, "sign")
        assert refused.value.code == "may_not_sign"
        with pytest.raises(NotFound):
            authorize(session, Customer(TENANT, new_id(), ann), prop, "pay")


def test_a_permission_taken_away_by_a_newer_event_is_gone(access_db, apply):
    prop, ann = new_id(), new_id()
    apply(TENANT, BRANCH, prop, {ann: ["Primary"]}, 1, permissions={ann: ["pay", "sign"]})
    apply(TENANT, BRANCH, prop, {ann: ["Other"]}, 2)
    with access_db.unit_of_work() as session:
        assert may(session, tenant_id=TENANT, branch_id=BRANCH, contact_id=ann, property_id=prop,
                   permission="pay") is False


def test_an_event_from_before_permissions_were_published_grants_sight_but_nothing_more(access_db):
    prop, ann = new_id(), new_id()
    old = Envelope(type="property_access_changed", tenant_id=TENANT, branch_id=BRANCH, data={
        "property_id": prop, "branch_id": BRANCH, "revision": 1,
        "access": [{"contact_id": ann, "roles": ["Primary"]}], "a_field_added_later": True})
    with access_db.unit_of_work() as session:
        assert apply_property_access(session, old) is True
        assert permissions_on(session, tenant_id=TENANT, branch_id=BRANCH, contact_id=ann, property_id=prop) == set()
