"""The notifications.emails consumer and the worker's loops against the real RabbitMQ."""
from __future__ import annotations

import json
import threading
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from portal_notifications import SERVICE
from portal_notifications.adapters.orm import OutboundMessage
from portal_notifications.adapters.smtp import EVENT_ID_HEADER
from portal_notifications.bootstrap import bootstrap
from portal_notifications.domain.delivery import QUEUED, SENT
from portal_shared.bus.connection import close_quietly, connect
from portal_shared.bus.outbox import record_event
from portal_shared.bus.relay import OutboxRelay, message_properties
from portal_shared.bus.topology import Names
from portal_shared.bus.worker import start_loops
from portal_shared.config import ServiceSettings


@pytest.fixture
def wiring(database_url, bus_settings, mailer, monkeypatch):
    monkeypatch.setenv("MAIL_POLL_SECONDS", "0.05")
    wired = bootstrap(ServiceSettings(service=SERVICE, database_url=database_url, bus=bus_settings), mailer=mailer)
    yield wired
    wired.db.dispose()


@contextmanager
def confirming_channel(bus_settings, wiring):
    """A short-lived confirming channel, with the consumer's queue declared so what is published now reaches it.

    Closed before the test waits: an idle pika connection does not answer heartbeats.
    """
    connection = connect(bus_settings)
    try:
        channel = connection.channel()
        wiring.emails_consumer().declare(channel)
        channel.confirm_delivery()
        yield channel
    finally:
        close_quietly(connection)


@pytest.fixture
def running(db):
    """Runs loops in threads, as `portal-notifications worker` does; stops them after the test."""
    stop = threading.Event()
    threads: list[threading.Thread] = []
    yield lambda loops: threads.extend(start_loops(loops, stop))
    stop.set()
    for thread in threads:
        thread.join(timeout=15)


def publish_directly(channel, bus_settings, event) -> None:
    """What a broker redelivery looks like to the consumer: the same message id again."""
    payload = event.to_dict()
    channel.basic_publish(Names(bus_settings.namespace).events_exchange, routing_key=event.type,
                          body=json.dumps(payload).encode(), properties=message_properties(payload), mandatory=True)


def messages_for(db, event_id) -> list[OutboundMessage]:
    with db.unit_of_work() as session:
        return list(session.scalars(sa.select(OutboundMessage).where(OutboundMessage.event_id == event_id)))


def test_a_published_branch_created_becomes_one_queued_email_even_when_delivered_twice(
        db, bus_settings, wiring, running, wait_until, make_branch_created):
    event = make_branch_created(company_contact_email="owner@acme.example")
    with db.unit_of_work() as session:
        record_event(session, event)
    # Published last, so handled last: once its email exists, the duplicate has been handled too.
    sentinel = make_branch_created()
    with confirming_channel(bus_settings, wiring) as channel:
        relay = OutboxRelay(db, bus_settings)
        assert relay.publish_pending(relay.open_publisher(channel.connection)).published == [event.id]
        publish_directly(channel, bus_settings, event)
        publish_directly(channel, bus_settings, sentinel)

    running([("consumer:emails", wiring.emails_consumer().run)])
    wait_until(lambda: messages_for(db, sentinel.id), what="the sentinel event's email")

    [message] = messages_for(db, event.id)
    assert (message.status, message.to_address, message.tenant_id) == (QUEUED, "owner@acme.example", event.tenant_id)
    with db.unit_of_work() as session:
        handled = session.execute(sa.text("SELECT consumer FROM inbox WHERE message_id = :id"),
                                  {"id": event.id}).scalars().all()
    assert handled == ["notifications.emails"]


def test_the_worker_turns_a_branch_created_event_into_one_email_in_the_mailbox(
        db, bus_settings, wiring, running, wait_until, smtp_server, make_branch_created):
    event = make_branch_created(company_contact_email="owner@acme.example")
    with confirming_channel(bus_settings, wiring) as channel:
        publish_directly(channel, bus_settings, event)

    running([("consumer:emails", wiring.emails_consumer().run), ("mail-sender", wiring.mail_sender().run)])
    wait_until(lambda: smtp_server.received, what="the email to reach the SMTP server")
    wait_until(lambda: messages_for(db, event.id)[0].status == SENT, what="the message to be marked sent")

    [received] = smtp_server.received
    assert received.rcpt_tos == ["owner@acme.example"]
    assert received.message[EVENT_ID_HEADER] == event.id
    assert event.data["portal_url"] in received.message.get_body(("plain",)).get_content()


def test_identity_events_published_twice_become_one_email_each_in_the_mailbox(
        db, bus_settings, wiring, running, wait_until, smtp_server, make_invitation_created,
        make_password_reset_requested, make_password_changed, make_branch_created):
    events = [make_invitation_created(to_email="invitee@customer.example"),
              make_password_reset_requested(to_email="resetter@customer.example"),
              make_password_changed(to_email="changer@customer.example")]
    sentinel = make_branch_created(company_contact_email="sentinel@acme.example")
    with confirming_channel(bus_settings, wiring) as channel:
        for event in events + events + [sentinel]:
            publish_directly(channel, bus_settings, event)

    running([("consumer:emails", wiring.emails_consumer().run), ("mail-sender", wiring.mail_sender().run)])
    wait_until(lambda: any(r.rcpt_tos == ["sentinel@acme.example"] for r in smtp_server.received)
               and all(m.status == SENT for e in events for m in messages_for(db, e.id)),
               what="every email to be sent")

    by_recipient = {r.rcpt_tos[0]: r.message for r in smtp_server.received}
    assert len(smtp_server.received) == 4 and len(by_recipient) == 4
    invitation = by_recipient["invitee@customer.example"]
    assert invitation["Subject"] == "Your Demo Landscaping customer portal"
    assert invitation["Reply-To"] == "Alex Admin <alex@demo-landscaping.example>"
    assert invitation["From"].addresses[0].display_name == "Alex Admin via Demo Landscaping"
    reset = by_recipient["resetter@customer.example"]
    assert (reset["Subject"], reset["Reply-To"]) == ("Reset your password: Demo Landscaping", None)
    changed = by_recipient["changer@customer.example"]
    assert (changed["Subject"], changed["Reply-To"]) == ("Your password was changed: Demo Landscaping", None)
    for event in events:
        assert len(messages_for(db, event.id)) == 1
