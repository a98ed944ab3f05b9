"""billing's autopay events (notice, receipt, failure) against the real database: each becomes exactly one
email to the contact who enrolled, even when handled twice, saying what autopay did in plain words."""
from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from portal_notifications.adapters.orm import OutboundMessage
from portal_notifications.service_layer.handlers import email_handlers
from portal_shared.events import make_event

pytestmark = pytest.mark.integration

TENANT, BRANCH = str(uuid.uuid4()), str(uuid.uuid4())
AT = datetime(2026, 12, 3, 6, tzinfo=UTC)
BASE = {"enrolment_id": str(uuid.uuid4()), "invoice_id": str(uuid.uuid4()), "invoice_external_id": "inv-18",
        "invoice_number": "18", "property_id": str(uuid.uuid4()), "property_name": "Sailor Residence",
        "contact_id": str(uuid.uuid4()), "to_email": "camilla@example.com", "to_name": "Camilla Sailor",
        "due_date": date(2026, 12, 3), "amount_cents": 23_870, "payment_method": "Visa ending 1111"}
CASES = {
    "autopay_upcoming": ({}, "Autopay: invoice #18 will be paid on December 3, 2026",
                         ["$238.70", "Visa ending 1111", "December 3, 2026"]),
    "autopay_charged": ({"payment_id": str(uuid.uuid4()), "fee_cents": 716, "status": "succeeded",
                         "charged_at": AT}, "Autopay receipt: invoice #18",
                        ["Autopay paid invoice", "#18", "$238.70", "Convenience fee: $7.16", "$245.86"]),
    "autopay_failed": ({"reason": "Your card was declined. Try another card.", "payment_id": None,
                        "failed_at": AT}, "Autopay could not pay invoice #18",
                       ["Your card was declined. Try another card.", "Autopay is now off for Sailor Residence"]),
}


@pytest.mark.parametrize("event_type", list(CASES))
def test_each_autopay_event_is_one_email_to_the_enrolled_contact(db, event_type):
    extra, subject, words = CASES[event_type]
    event = make_event(event_type, {**BASE, **extra}, tenant_id=TENANT, branch_id=BRANCH)
    handle = email_handlers()[event_type]
    for _ in range(2):
        with db.unit_of_work() as session:
            handle(session, event)
    with db.unit_of_work() as session:
        [message] = session.scalars(sa.select(OutboundMessage).where(OutboundMessage.event_id == event.id)).all()
        assert (message.template, message.to_address, message.subject) == (
            event_type, "Camilla Sailor <camilla@example.com>", subject)
        for word in words:
            assert word in message.text_body and word in message.html_body
