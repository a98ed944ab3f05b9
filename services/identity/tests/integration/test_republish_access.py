"""`portal-identity republish-access`: every property's access list goes out again, with each contact's
permissions and a newer revision, so read models built before a field existed catch up."""
import sqlalchemy as sa

from portal_identity.service_layer.directory import republish_access


def test_every_property_is_published_again_with_a_newer_revision_and_its_permissions(db, world, outbox):
    with db.engine.connect() as conn:
        before = dict(conn.execute(sa.text("SELECT id::text, revision FROM properties")).all())
    already = len(outbox("property_access_changed"))
    with db.unit_of_work() as session:
        assert republish_access(session) == len(before) > 0
    again = outbox("property_access_changed")[already:]
    assert {e["data"]["property_id"]: e["data"]["revision"] for e in again} == {p: r + 1 for p, r in before.items()}
    entries = [entry for event in again for entry in event["data"]["access"]]
    assert entries, "the demo world gives every property some contacts"
    for entry in entries:
        may_act = bool({"Primary", "Billing"} & set(entry["roles"]))
        assert entry["permissions"] == (["pay", "sign"] if may_act else []), entry
