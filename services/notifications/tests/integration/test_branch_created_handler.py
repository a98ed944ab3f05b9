"""handle_branch_created against the real database: one email per event, or none without a contact."""
from __future__ import annotations

import sqlalchemy as sa

from portal_notifications.adapters.orm import OutboundMessage
from portal_notifications.domain.delivery import QUEUED
from portal_notifications.service_layer.handlers import handle_branch_created


def messages_for(db, event_id) -> list[OutboundMessage]:
    with db.unit_of_work() as session:
        return list(session.scalars(sa.select(OutboundMessage).where(OutboundMessage.event_id == event_id)))


def test_a_new_branch_queues_its_rendered_email_for_the_company_contact(db, make_branch_created):
    event = make_branch_created(company_contact_email="owner@acme.example", company_name="<Acme & Sons>")
    with db.unit_of_work() as session:
        handle_branch_created(session, event, mail_from="Portal <hello@portal.example>")
    [message] = messages_for(db, event.id)
    assert (message.tenant_id, message.branch_id) == (event.tenant_id, event.branch_id)
    assert (message.to_address, message.from_address) == ("owner@acme.example", "Portal <hello@portal.example>")
    assert message.subject == "Your customer portal is live: North Branch"
    assert event.data["portal_url"] in message.text_body and event.data["portal_url"] in message.html_body
    assert "&lt;Acme &amp; Sons&gt;" in message.html_body
    assert (message.status, message.attempts, message.sent_at) == (QUEUED, 0, None)
    assert message.next_attempt_at is not None and message.created_at is not None


def test_handling_the_same_event_twice_records_one_email(db, make_branch_created):
    event = make_branch_created()
    for _ in range(2):
        with db.unit_of_work() as session:
            handle_branch_created(session, event)
    assert len(messages_for(db, event.id)) == 1


def test_a_company_without_contact_address_records_nothing(db, make_branch_created):
    event = make_branch_created(company_contact_email=None)
    with db.unit_of_work() as session:
        handle_branch_created(session, event)
    assert messages_for(db, event.id) == []
