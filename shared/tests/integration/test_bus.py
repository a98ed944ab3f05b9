"""The event bus against the real RabbitMQ and PostgreSQL: nothing lost, nothing applied twice."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import redis
import sqlalchemy as sa

from portal_shared import page_versions
from portal_shared.bus.connection import connect
from portal_shared.bus.consumer import ATTEMPT_HEADER, ERROR_HEADER, Consumer
from portal_shared.bus.dlq import list_dead_letters, replay_dead_letters
from portal_shared.bus.outbox import record_event, record_events
from portal_shared.bus.publisher import ConfirmedPublisher
from portal_shared.bus.relay import OutboxRelay, message_properties
from portal_shared.bus.topology import Names, declare_exchanges
from portal_shared.events.envelope import Envelope
from portal_shared.page_versions import version_key
from portal_testkit.testing import broker_stopped, queue_depth, require_reachable, unique, wait_for
from portal_testkit.testing import row_count as count

pytestmark = pytest.mark.integration
HERE = Path(__file__).parent


def thing(note: str = "hello") -> Envelope:
    return Envelope(type="thing_happened", data={"note": note}, tenant_id="7f1f0c5e-7b4c-4a53-9c1a-2b0b4e2f6a11")


def write_event(db, envelope: Envelope) -> None:
    with db.unit_of_work() as session:
        record_event(session, envelope)


def outbox_status(db, event_id: str) -> str:
    with db.engine.connect() as conn:
        return conn.scalar(sa.text("SELECT status FROM outbox WHERE id = :id"), {"id": event_id})


def declare_consumer(consumer: Consumer) -> None:
    connection = connect(consumer.settings)
    consumer.declare(connection.channel())
    connection.close()


def record_effect(session, envelope):
    session.execute(sa.text("INSERT INTO effects (message_id, note) VALUES (:m, :n)"),
                    {"m": envelope.id, "n": envelope.data.get("note")})


def publish_now(db, settings):
    connection = connect(settings)
    relay = OutboxRelay(db, settings)
    batch = relay.publish_pending(relay.open_publisher(connection))
    connection.close()
    return batch


@pytest.mark.broker_outage
def test_an_event_written_while_the_broker_is_down_is_delivered_once_it_is_back(db, bus, run_in_thread):
    listener = Consumer(name="listener", handlers={"thing_happened": record_effect}, db=db, settings=bus)
    declare_consumer(listener)
    event = thing("written during the outage")
    with broker_stopped(bus.url):
        write_event(db, event)  # the API's transaction succeeds without the broker
        run_in_thread(OutboxRelay(db, bus, poll_interval=0.1).run)
        threading.Event().wait(1.5)
        assert outbox_status(db, event.id) == "pending"
    wait_for(lambda: outbox_status(db, event.id) == "published", timeout=30, message="the relay to publish")
    assert queue_depth(bus, listener.queue) == 1


def test_a_consumer_killed_after_its_effect_but_before_its_ack_does_nothing_twice(db, bus, run_in_thread):
    handlers = {"thing_happened": record_effect}
    declare_consumer(Consumer(name="crashy", handlers=handlers, db=db, settings=bus))
    event = thing("apply me once")
    write_event(db, event)
    publish_now(db, bus)

    crashed = subprocess.run([sys.executable, str(HERE / "crashing_consumer.py"), db.url, bus.url, bus.namespace],
                             timeout=60, capture_output=True, env={**os.environ, "PYTHONPATH": str(HERE)})
    assert crashed.returncode == 17, crashed.stderr.decode()[-2000:]
    assert count(db, "effects") == 1  # the effect was committed before the crash

    # The unacked message comes back to the next consumer, which recognises it.
    run_in_thread(Consumer(name="crashy", handlers=handlers, db=db, settings=bus).run)
    wait_for(lambda: queue_depth(bus, Names(bus.namespace).queue("crashy")) == 0, timeout=20,
             message="the redelivered message to be acked")
    assert count(db, "effects") == 1
    assert count(db, "inbox") == 1


def test_a_message_that_always_fails_is_dead_lettered_after_its_retries_and_does_not_block_the_queue(
        db, bus, run_in_thread):
    def picky(session, envelope):
        if envelope.data["note"] == "poison":
            raise ValueError("this message can never be applied")
        record_effect(session, envelope)

    consumer = Consumer(name="picky", handlers={"thing_happened": picky}, db=db, settings=bus)
    declare_consumer(consumer)
    poison, good = thing("poison"), thing("good")
    write_event(db, poison)
    write_event(db, good)
    publish_now(db, bus)
    run_in_thread(consumer.run)

    names = Names(bus.namespace)
    wait_for(lambda: count(db, "effects") == 1, timeout=10, message="the good message behind the poison one")
    wait_for(lambda: queue_depth(bus, names.dead_letter_queue("picky")) == 1, timeout=20, message="a dead letter")
    dead = list_dead_letters(bus, "picky")
    assert [d["message_id"] for d in dead] == [poison.id]
    assert "can never be applied" in dead[0]["error"]
    # Listing does not consume: the dead letter is still there for the operator.
    assert queue_depth(bus, names.dead_letter_queue("picky")) == 1
    assert count(db, "inbox") == 1  # the failed attempts left no inbox row behind


def test_an_operator_can_replay_a_dead_letter_once_the_cause_is_fixed(db, bus, run_in_thread):
    broken = {"on": True}

    def flaky(session, envelope):
        if broken["on"]:
            raise RuntimeError("downstream bug")
        record_effect(session, envelope)

    consumer = Consumer(name="flaky", handlers={"thing_happened": flaky}, db=db, settings=bus)
    declare_consumer(consumer)
    event = thing("retry me later")
    write_event(db, event)
    publish_now(db, bus)
    run_in_thread(consumer.run)
    names = Names(bus.namespace)
    wait_for(lambda: queue_depth(bus, names.dead_letter_queue("flaky")) == 1, timeout=20, message="a dead letter")

    broken["on"] = False
    assert replay_dead_letters(bus, "flaky") == 1
    wait_for(lambda: count(db, "effects") == 1, timeout=10, message="the replayed message to be applied")
    assert queue_depth(bus, names.dead_letter_queue("flaky")) == 0


def test_retries_count_attempts_in_a_header_the_operator_can_read(db, bus, run_in_thread):
    def always_fails(session, envelope):
        raise KeyError("missing")

    consumer = Consumer(name="failing", handlers={"thing_happened": always_fails}, db=db, settings=bus)
    declare_consumer(consumer)
    write_event(db, thing())
    publish_now(db, bus)
    run_in_thread(consumer.run)
    dlq = Names(bus.namespace).dead_letter_queue("failing")
    wait_for(lambda: queue_depth(bus, dlq) == 1, timeout=20, message="a dead letter")
    connection = connect(bus)
    _method, properties, _body = connection.channel().basic_get(dlq, auto_ack=False)
    connection.close()
    assert properties.headers[ATTEMPT_HEADER] == bus.max_retries
    assert "KeyError" in properties.headers[ERROR_HEADER]


@pytest.mark.broker_outage
def test_the_publisher_survives_a_broker_restart(db, bus, run_in_thread):
    listener = Consumer(name="survivor", handlers={"thing_happened": record_effect}, db=db, settings=bus)
    declare_consumer(listener)
    run_in_thread(OutboxRelay(db, bus, poll_interval=0.1).run)
    before = thing("before the restart")
    write_event(db, before)
    wait_for(lambda: outbox_status(db, before.id) == "published", timeout=10, message="the first event")

    with broker_stopped(bus.url):
        pass  # every connection the relay had is gone now

    after = thing("after the restart")
    write_event(db, after)
    wait_for(lambda: outbox_status(db, after.id) == "published", timeout=30, message="the event after the restart")
    assert queue_depth(bus, listener.queue) == 2


def test_an_unparseable_message_goes_straight_to_the_dead_letter_queue(db, bus, run_in_thread):
    consumer = Consumer(name="strict", handlers={"thing_happened": record_effect}, db=db, settings=bus)
    declare_consumer(consumer)
    connection = connect(bus)
    channel = connection.channel()
    channel.basic_publish(f"{bus.namespace}.events", "thing_happened", b"{not json")
    connection.close()
    run_in_thread(consumer.run)
    wait_for(lambda: queue_depth(bus, Names(bus.namespace).dead_letter_queue("strict")) == 1, timeout=10,
             message="the malformed message to be dead-lettered")
    assert count(db, "effects") == 0


def test_pruning_removes_old_published_rows_and_never_pending_ones(db, bus):
    from datetime import timedelta

    published, pending = thing("old and sent"), thing("still waiting")
    write_event(db, published)
    write_event(db, pending)
    with db.unit_of_work() as session:
        session.execute(sa.text("UPDATE outbox SET status = 'published', published_at = now() - interval '8 days', "
                                "created_at = now() - interval '8 days' WHERE id = :id"), {"id": published.id})
        session.execute(sa.text("UPDATE outbox SET created_at = now() - interval '8 days' WHERE id = :id"),
                        {"id": pending.id})
    assert OutboxRelay(db, bus, retention=timedelta(days=7)).prune() == 1
    assert outbox_status(db, published.id) is None
    assert outbox_status(db, pending.id) == "pending"


def test_a_batch_where_the_broker_nacks_one_message_leaves_exactly_that_row_pending(db, bus):
    # A queue that refuses a third message: the broker nacks it (and only it) to the publisher.
    names = Names(bus.namespace)
    connection = connect(bus)
    channel = connection.channel()
    declare_exchanges(channel, names)
    full = f"{bus.namespace}.full"
    channel.queue_declare(full, durable=True, arguments={"x-max-length": 2, "x-overflow": "reject-publish"})
    channel.queue_bind(full, names.events_exchange, routing_key="thing_happened")
    connection.close()
    first, second, third = thing("one"), thing("two"), thing("three")
    for event in (first, second, third):
        write_event(db, event)

    batch = publish_now(db, bus)

    assert batch.claimed == [first.id, second.id, third.id]
    assert batch.published == [first.id, second.id]
    assert batch.retried == [third.id]
    assert [outbox_status(db, e.id) for e in (first, second, third)] == ["published", "published", "pending"]
    with db.engine.connect() as conn:
        attempts, error = conn.execute(sa.text("SELECT attempts, last_error FROM outbox WHERE id = :id"),
                                       {"id": third.id}).one()
    assert (attempts, error) == (1, "nacked by the broker")
    assert queue_depth(bus, full) == 2

    # Once the queue has room, the next batch publishes the row that was refused, and only it.
    connection = connect(bus)
    connection.channel().queue_purge(full)
    connection.close()
    assert publish_now(db, bus).published == [third.id]
    assert outbox_status(db, third.id) == "published"


def test_messages_that_arrive_together_are_applied_in_one_transaction_each_once(db, bus, run_in_thread,
                                                                               monkeypatch):
    namespace = unique("pv")
    monkeypatch.setenv("REDIS_URL", require_reachable().redis_url)
    monkeypatch.setenv("SESSION_NAMESPACE", namespace)
    monkeypatch.setattr(page_versions, "_current", None)
    page_versions.configure("billing")
    redis_client = redis.Redis.from_url(require_reachable().redis_url)
    tenant_key = version_key(namespace, "billing", thing().tenant_id)
    listener = Consumer(name="batched", handlers={"thing_happened": record_effect}, db=db, settings=bus)
    declare_consumer(listener)
    events = [thing(f"event {n}") for n in range(40)]
    with db.unit_of_work() as session:
        for event in events:
            record_event(session, event)
    assert publish_now(db, bus).published == [e.id for e in events]
    connection = connect(bus)
    payload = events[7].to_dict()  # a redelivered copy among them: applied once all the same
    connection.channel().basic_publish(f"{bus.namespace}.events", "thing_happened", json.dumps(payload).encode(),
                                       properties=message_properties(payload))
    connection.close()

    written = int(redis_client.get(tenant_key) or 0)

    run_in_thread(listener.run)
    wait_for(lambda: queue_depth(bus, listener.queue) == 0 and count(db, "inbox") == 40, timeout=20,
             message="every message applied and acked")
    assert int(redis_client.get(tenant_key) or 0) > written  # the tenant's pages are stale (ADR 0035)
    redis_client.delete(tenant_key)
    assert count(db, "effects") == 40
    with db.engine.connect() as conn:
        transactions = conn.scalar(sa.text("SELECT count(DISTINCT xmin::text) FROM effects"))
    assert transactions < 10  # one a batch (the prefetch is 100), not one a message


def test_an_event_the_broker_returns_as_unroutable_is_flagged_and_the_rest_of_its_batch_published(db, bus):
    names = Names(bus.namespace)
    connection = connect(bus)
    channel = connection.channel()
    # A broken topology on purpose: the events exchange without its alternate exchange.
    channel.exchange_declare(names.events_exchange, exchange_type="topic", durable=True)
    bound = f"{bus.namespace}.bound"
    channel.queue_declare(bound, durable=True, arguments={"x-queue-type": "classic"})
    channel.queue_bind(bound, names.events_exchange, routing_key="thing_happened")
    lost = Envelope(type="nobody_listens", data={}, tenant_id=None)
    kept = thing("routed")
    write_event(db, lost)
    write_event(db, kept)

    batch = OutboxRelay(db, bus).publish_pending(ConfirmedPublisher(connection))
    connection.close()

    assert (batch.published, batch.unroutable, batch.retried) == ([kept.id], [lost.id], [])
    assert [outbox_status(db, e.id) for e in (lost, kept)] == ["unroutable", "published"]
    assert queue_depth(bus, bound) == 1


def test_record_events_writes_many_events_in_one_statement_as_record_event_writes_one(db):
    one = thing("alone")
    many = [thing("first"), Envelope(type="thing_happened", data={"note": "no tenant"}, tenant_id=None), thing("third")]
    write_event(db, one)
    with db.unit_of_work() as session:
        record_events(session, many)
        record_events(session, [])  # nothing to write: no statement
    with db.engine.connect() as conn:
        stored = {r["id"]: r for r in conn.execute(sa.text(
            "SELECT id::text AS id, event_type, tenant_id::text AS tenant_id, payload, status, attempts FROM outbox"))
                  .mappings()}
    assert set(stored) == {e.id for e in [one, *many]}
    for envelope in [one, *many]:
        row = stored[envelope.id]
        assert (row["event_type"], row["tenant_id"], row["status"], row["attempts"]) == (
            envelope.type, envelope.tenant_id, "pending", 0)
        assert row["payload"] == envelope.to_dict()
