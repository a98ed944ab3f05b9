"""`portal-identity republish-directory`: every contact and property goes out again at its current revision,
with the back office's external_id, so a read model that started after them (billing's directory) catches up."""
import sqlalchemy as sa

from portal_identity.service_layer.directory import republish_directory


def test_every_contact_and_property_is_published_again_at_its_revision(db, world, outbox):
    with db.engine.connect() as conn:
        contacts = dict(conn.execute(sa.text("SELECT id::text, revision FROM contacts")).all())
        properties = dict(conn.execute(sa.text("SELECT id::text, external_id FROM properties")).all())
    seen_contacts, seen_properties = len(outbox("contact_upserted")), len(outbox("property_upserted"))
    with db.unit_of_work() as session:
        assert republish_directory(session) == (len(contacts), len(properties))
    assert len(properties) > 0
    again = outbox("contact_upserted")[seen_contacts:]
    assert {e["data"]["contact_id"]: e["data"]["revision"] for e in again} == contacts
    assert {e["data"]["property_id"]: e["data"]["external_id"]
            for e in outbox("property_upserted")[seen_properties:]} == properties
