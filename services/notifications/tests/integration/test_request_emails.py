"""requests' events against the real database and a real SMTP server: a new request is one email to the
property's account owner and one to its operations manager, a customer's comment one to the account owner,
a public reply one to the customer who opened the request; each only once, even when handled twice."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from email.utils import getaddresses, parseaddr

import sqlalchemy as sa

from portal_notifications.adapters.orm import OutboundMessage
from portal_notifications.service_layer.handlers import email_handlers
from portal_notifications.service_layer.sender import MailSender
from portal_shared.events import make_event

MAIL_FROM = "Customer Portal <no-reply@portal.example>"
TENANT, BRANCH = str(uuid.uuid4()), str(uuid.uuid4())
CAMILLA = {"contact_id": str(uuid.uuid4()), "name": "Camilla Sailor", "email": "camilla@example.com"}
OWNER = {"role": "account_owner", "name": "Jordan Blake", "email": "owner@example.com"}
OPS = {"role": "operations_manager", "name": "Riley Chen", "email": "ops@example.com"}
FACTS = {"request_id": str(uuid.uuid4()), "request_external_id": None, "number": "13",
         "subject": "Dead shrubs <by> the pool", "priority": "High", "property_id": str(uuid.uuid4()),
         "property_external_id": "towers", "property_name": "Tar Valon Towers"}


def handle_twice(db, event) -> None:
    handle = email_handlers(mail_from=MAIL_FROM)[event.type]
    for _ in range(2):
        with db.unit_of_work() as session:
            handle(session, event)


def queued(db) -> list[OutboundMessage]:
    with db.unit_of_work() as session:
        return list(session.scalars(sa.select(OutboundMessage).order_by(OutboundMessage.to_address)))


def send_all(db, mailer) -> None:
    MailSender(db, mailer).send_due(datetime.now(UTC) + timedelta(seconds=1))


def test_a_new_request_emails_the_account_owner_and_the_operations_manager(db, smtp_server, mailer):
    event = make_event("request_created", {
        **FACTS, "description": "Three shrubs died.\n\nSee the photos.", "created_at": datetime.now(UTC),
        "opened_by": CAMILLA, "attachments": 2, "notify": [OWNER, OPS]}, tenant_id=TENANT, branch_id=BRANCH)
    handle_twice(db, event)
    messages = sorted(queued(db), key=lambda m: getaddresses([m.to_address])[0][1])
    assert [getaddresses([m.to_address])[0][1] for m in messages] == ["ops@example.com", "owner@example.com"]
    assert {m.subject for m in messages} == {"New request 13 on Tar Valon Towers: Dead shrubs <by> the pool"}
    assert all(parseaddr(m.reply_to) == ("Camilla Sailor", "camilla@example.com") for m in messages)
    owner = messages[1]
    assert "account owner" in owner.text_body and "Three shrubs died." in owner.text_body
    assert "Dead shrubs &lt;by&gt; the pool" in owner.html_body
    send_all(db, mailer)
    assert sorted(r.rcpt_tos[0] for r in smtp_server.received) == ["ops@example.com", "owner@example.com"]


def test_a_customers_comment_emails_the_account_owner(db, smtp_server, mailer):
    event = make_event("request_commented", {
        **FACTS, "comment_id": str(uuid.uuid4()), "text": "Here is the far corner.", "commented_at": datetime.now(UTC),
        "author": CAMILLA, "attachments": 1, "notify": [OWNER]}, tenant_id=TENANT, branch_id=BRANCH)
    handle_twice(db, event)
    [message] = queued(db)
    assert message.to_address == "Jordan Blake <owner@example.com>"
    assert "Here is the far corner." in message.text_body and "with 1 attachment:" in message.text_body


def test_a_public_reply_emails_the_customer_who_opened_the_request(db, smtp_server, mailer):
    event = make_event("request_replied", {
        **FACTS, "comment_id": str(uuid.uuid4()), "text": "We will replace them on Monday.",
        "author": "Jordan Blake", "to": CAMILLA}, tenant_id=TENANT, branch_id=BRANCH)
    handle_twice(db, event)
    [message] = queued(db)
    assert message.to_address == "Camilla Sailor <camilla@example.com>"
    assert message.subject == "Reply to your request 13: Dead shrubs <by> the pool"
    assert "We will replace them on Monday." in message.text_body
    send_all(db, mailer)
    assert [r.rcpt_tos for r in smtp_server.received] == [["camilla@example.com"]]


def test_a_request_on_a_property_nobody_looks_after_emails_nobody(db):
    event = make_event("request_created", {
        **FACTS, "description": "x", "created_at": datetime.now(UTC), "opened_by": CAMILLA, "attachments": 0,
        "notify": []}, tenant_id=TENANT, branch_id=BRANCH)
    handle_twice(db, event)
    assert queued(db) == []
