"""The event bus against the real RabbitMQ and PostgreSQL: nothing lost, nothing applied twice."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from portal_shared.bus.connection import connect
from portal_shared.bus.consumer import ATTEMPT_HEADER, ERROR_HEADER, Consumer
from portal_shared.bus.dlq import list_dead_letters, replay_dead_letters
from portal_shared.bus.outbox import record_event, record_events
from portal_shared.bus.relay import OutboxRelay
from portal_shared.bus.topology import Names, declare_exchanges
from portal_shared.events.envelope import Envelope
from portal_testkit.testing import broker_stopped, queue_depth, wait_for
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


def publish_now(db, settings) -> None:
    connection = connect(settings)
    channel = connection.channel()
    channel.confirm_delivery()
    declare_exchanges(channel, Names(settings.namespace))
    OutboxRelay(db, settings).publish_pending(channel)
    connection.close()


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
