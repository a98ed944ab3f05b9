"""Delivering webhooks for real: events fanned out in PostgreSQL, sent by the sender over HTTP to a
real local receiver (http.server), signed so `standardwebhooks` verifies them. Time is the sender's
`now` argument, so hours of backoff pass in a moment; signatures carry the real clock."""
from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta

import pika
import pytest
import sqlalchemy as sa
from standardwebhooks import Webhook

from portal_notifications.adapters.orm import OutboundMessage, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from portal_notifications.app import create_app
from portal_notifications.domain.webhooks import RetrySchedule
from portal_notifications.service_layer import webhook_endpoints as uc
from portal_notifications.service_layer.webhook_fanout import fan_out, remember_company_contact, webhook_handlers
from portal_shared.bus.topology import Names

BASE = "/integration/webhooks"
T0 = datetime(2025, 6, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def tenant():
    return str(uuid.uuid4())


@pytest.fixture
def wiring(wire):
    return wire()


def register(wiring, tenant, url, types=("contact_upserted", "property_upserted")) -> tuple[str, str]:
    with wiring.db.unit_of_work() as session:
        created = uc.create_endpoint(session, tenant_id=tenant, url=url, event_types=list(types),
                                     policy=wiring.url_policy, box=wiring.secret_box)
    return created["id"], created["secret"]


def publish(wiring, *envelopes) -> None:
    """What the notifications.webhooks consumer does with each event, in its unit of work."""
    for envelope in envelopes:
        with wiring.db.unit_of_work() as session:
            webhook_handlers()[envelope.type](session, envelope)


def run_until_quiet(sender, start: datetime, *, step=timedelta(minutes=1), until: datetime | None = None,
                    on_tick=None) -> datetime:
    """Call the sender every `step` of simulated time, from `start`, until nothing is pending (or `until`)."""
    now = start
    while True:
        if on_tick:
            on_tick(now)
        sender.send_due(now=now)
        if until is None and not pending(sender.db):
            return now
        if until is not None and now >= until:
            return now
        now += step


def pending(db) -> int:
    with db.unit_of_work() as session:
        return session.scalar(sa.select(sa.func.count()).where(WebhookDelivery.status == "pending"))


def deliveries(db) -> int:
    with db.unit_of_work() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(WebhookDelivery))


def verified(arrival, secret) -> dict:
    return Webhook(secret).verify(arrival.body, arrival.headers)


# -- fan-out -----------------------------------------------------------------------------------

def test_an_event_reaches_only_the_subscribed_endpoints_of_its_own_company(wiring, tenant, events, db):
    contacts, _ = register(wiring, tenant, "http://127.0.0.1:9/contacts", types=("contact_upserted",))
    register(wiring, tenant, "http://127.0.0.1:9/properties", types=("property_upserted",))
    register(wiring, str(uuid.uuid4()), "http://127.0.0.1:9/other-company", types=("contact_upserted",))
    event = events.contact_upserted(tenant)
    publish(wiring, event)
    publish(wiring, event)  # a second copy (past the inbox, e.g. from the DLQ) fans out nothing more
    with db.unit_of_work() as session:
        rows = session.execute(sa.select(WebhookDelivery.endpoint_id, WebhookDelivery.event_id)).all()
    assert rows == [(contacts, event.id)]


def test_events_carrying_secrets_are_never_bound_nor_fanned_out(wiring, tenant, db, make_invitation_created):
    assert not {"invitation_created", "password_reset_requested"} & set(webhook_handlers())
    register(wiring, tenant, "http://127.0.0.1:9/hooks")
    with db.unit_of_work() as session:
        session.execute(sa.update(WebhookEndpoint).values(event_types=["invitation_created"]))
        assert fan_out(session, make_invitation_created()) == 0
        assert session.scalar(sa.select(sa.func.count()).select_from(WebhookDelivery)) == 0


# -- signing -----------------------------------------------------------------------------------

def test_a_delivery_is_signed_as_standard_webhooks_says_and_verifies(wiring, tenant, events, receiver):
    _, secret = register(wiring, tenant, receiver.url)
    event = events.contact_upserted(tenant)
    publish(wiring, event)
    assert wiring.webhook_sender().send_due().delivered == 1

    [arrival] = receiver.arrivals
    payload = verified(arrival, secret)
    assert arrival.headers["webhook-id"] == event.id
    assert arrival.headers["content-type"] == "application/json"
    assert payload == {"id": event.id, "type": "contact_upserted", "version": 1, "timestamp": event.occurred_at,
                       "tenant_id": tenant, "branch_id": None, "data": event.data}
    with pytest.raises(Exception):
        Webhook("whsec_" + "A" * 43 + "=").verify(arrival.body, arrival.headers)  # another secret fails


# -- order, outages and retries ----------------------------------------------------------------

def test_an_endpoint_down_for_ten_minutes_gets_every_missed_event_in_order_per_resource(wiring, tenant, events,
                                                                                      receiver, db):
    """The production schedule (5 s, 5 min, 30 min, ...) with a simulated clock."""
    _, secret = register(wiring, tenant, receiver.url)
    receiver.stop()  # connection refused from now on
    p1, p2, c1 = (str(uuid.uuid4()) for _ in range(3))
    published = [
        events.property_upserted(tenant, p1, revision=1, occurred_at=T0),
        events.contact_upserted(tenant, c1, revision=1, occurred_at=T0 + timedelta(seconds=1)),
        events.property_upserted(tenant, p2, revision=1, occurred_at=T0 + timedelta(seconds=2)),
        events.property_upserted(tenant, p1, revision=2, occurred_at=T0 + timedelta(seconds=3)),
        events.contact_upserted(tenant, c1, revision=2, occurred_at=T0 + timedelta(seconds=4)),
        events.property_upserted(tenant, p1, revision=3, occurred_at=T0 + timedelta(seconds=5)),
    ]
    # They arrive out of order on the bus, as they may: p1's third before its first.
    publish(wiring, published[5], published[0], published[1], published[4], published[2], published[3])
    sender = wiring.webhook_sender()
    start = datetime.now(UTC)

    run_until_quiet(sender, start, until=start + timedelta(minutes=10))
    assert receiver.arrivals == [] and pending(db) == 6
    receiver.start()
    end = run_until_quiet(sender, start + timedelta(minutes=10, seconds=30))

    assert end - start < timedelta(hours=1)
    got = [verified(a, secret) for a in receiver.arrivals]
    assert sorted(p["id"] for p in got) == sorted(e.id for e in published)  # every one, once
    for resource in (p1, p2, c1):
        revisions = [p["data"]["revision"] for p in got if resource in (p["data"].get("property_id"),
                                                                        p["data"].get("contact_id"))]
        assert revisions == sorted(revisions), resource
    with db.unit_of_work() as session:
        attempts = session.scalars(sa.select(WebhookAttempt).where(WebhookAttempt.status_code.is_(None))).all()
    assert attempts and all("Connection" in (a.error or "") or "refused" in (a.error or "").lower() for a in attempts)


def test_a_later_event_for_a_resource_waits_for_the_earlier_while_other_resources_go_ahead(wiring, tenant, events,
                                                                                         receiver, db):
    register(wiring, tenant, receiver.url)
    stuck, free = str(uuid.uuid4()), str(uuid.uuid4())
    receiver.answer = lambda arrival: 500 if arrival.event["data"]["property_id"] == stuck else 204
    publish(wiring,
            events.property_upserted(tenant, stuck, revision=1, occurred_at=T0),
            events.property_upserted(tenant, stuck, revision=2, occurred_at=T0 + timedelta(seconds=1)),
            events.property_upserted(tenant, free, revision=1, occurred_at=T0 + timedelta(seconds=2)),
            events.property_upserted(tenant, free, revision=2, occurred_at=T0 + timedelta(seconds=3)))
    sender = wiring.webhook_sender()
    run_until_quiet(sender, datetime.now(UTC), step=timedelta(seconds=10), until=datetime.now(UTC) + timedelta(minutes=6))

    seen = [(a.event["data"]["property_id"], a.event["data"]["revision"]) for a in receiver.arrivals]
    assert (free, 1) in seen and (free, 2) in seen
    assert {r for p, r in seen if p == stuck} == {1}  # revision 2 never went before revision 1 succeeded
    receiver.answer = None
    run_until_quiet(sender, datetime.now(UTC) + timedelta(hours=1))
    stuck_order = [r for p, r in ((a.event["data"]["property_id"], a.event["data"]["revision"])
                                  for a in receiver.arrivals) if p == stuck]
    assert stuck_order[-2:] == [1, 2]


def test_every_try_is_logged_with_its_status_code_and_latency_and_retried_on_the_schedule(wiring, tenant, events,
                                                                                         receiver, api_key):
    endpoint_id, _ = register(wiring, tenant, receiver.url)
    receiver.status = 503
    publish(wiring, events.contact_upserted(tenant))
    sender = wiring.webhook_sender()
    now = datetime.now(UTC)
    sender.send_due(now=now)
    sender.send_due(now=now + timedelta(seconds=4))   # not yet due: the first retry waits 5 s
    sender.send_due(now=now + timedelta(seconds=5))

    client = create_app(wiring).test_client()
    [delivery] = client.get(f"{BASE}/endpoints/{endpoint_id}/deliveries", headers=api_key(tenant)).get_json()
    assert delivery["status"] == "pending" and delivery["attempts"] == 2 and delivery["last_status_code"] == 503
    assert delivery["last_error"] == "HTTP 503" and delivery["last_latency_ms"] >= 0
    assert datetime.fromisoformat(delivery["next_attempt_at"]) == now + timedelta(seconds=5) + timedelta(minutes=5)
    detail = client.get(f"{BASE}/deliveries/{delivery['id']}", headers=api_key(tenant)).get_json()
    assert [a["status_code"] for a in detail["attempt_log"]] == [503, 503]
    assert detail["attempt_log"][0]["response_excerpt"] == "ok"
    assert len(receiver.arrivals) == 2


def test_a_redirect_is_not_followed_and_counts_as_a_failed_try(wiring, tenant, events, receiver, db):
    register(wiring, tenant, receiver.url)
    receiver.status = 302
    publish(wiring, events.contact_upserted(tenant))
    assert wiring.webhook_sender().send_due().retrying == 1
    assert [a.path for a in receiver.arrivals] == ["/hooks"]  # /elsewhere never asked
    with db.unit_of_work() as session:
        assert session.scalar(sa.select(WebhookDelivery.last_status_code)) == 302


def test_an_answer_with_a_nul_byte_is_logged_without_it_and_the_rest_of_the_batch_is_kept(
        wiring, tenant, events, receiver, db):
    # PostgreSQL text cannot hold NUL: stored as is, it would fail the commit of every outcome in the batch.
    register(wiring, tenant, receiver.url)
    receiver.status, receiver.reply = 500, b"bad\x00answer"
    publish(wiring, events.contact_upserted(tenant), events.property_upserted(tenant))
    assert wiring.webhook_sender().send_due().retrying == 2
    with db.unit_of_work() as session:
        excerpts = session.scalars(sa.select(WebhookAttempt.response_excerpt)).all()
    assert excerpts == ["bad\ufffdanswer"] * 2


def test_an_endpoint_whose_url_is_unsafe_at_send_time_fails_its_try_and_the_sender_goes_on(
        wire, tenant, events, receiver, db):
    """http:// URLs registered in dev mode, sent from a deployment outside it: each try is recorded
    as refused (nothing crashes the batch), and the loop still has its threads for the next round."""
    wiring = wire(dev_mode=False, resolve=lambda host, port: ["127.0.0.1"])  # sets the secrets key first
    register(wire(), tenant, receiver.url)                                    # so dev mode seals with it too
    register(wire(), str(uuid.uuid4()), receiver.url)
    publish(wiring, events.contact_upserted(tenant))
    sender = wiring.webhook_sender()
    assert sender.send_due().retrying == 1
    with db.unit_of_work() as session:
        [error] = session.scalars(sa.select(WebhookAttempt.error)).all()
    assert error.startswith("refused: url"), error
    assert receiver.arrivals == []
    stop = threading.Event()
    runner = threading.Thread(target=sender.run, args=(stop,), daemon=True)
    runner.start()
    stop.set()
    runner.join(timeout=10)
    assert not runner.is_alive()


def test_no_row_is_locked_while_a_receiver_answers_and_a_second_sender_leaves_the_leased_rows_alone(
        wiring, tenant, events, receiver, db):
    register(wiring, tenant, receiver.url)
    answering, release = threading.Event(), threading.Event()

    def slow(arrival):
        answering.set()
        release.wait(10)
        return 204

    receiver.answer = slow
    publish(wiring, events.contact_upserted(tenant))
    first = threading.Thread(target=wiring.webhook_sender().send_due, daemon=True)
    first.start()
    try:
        assert answering.wait(10), "the first sender never reached the receiver"
        with db.engine.connect() as conn:  # NOWAIT: fails at once if the sender still held the row
            conn.execute(sa.text("SELECT id FROM webhook_deliveries FOR UPDATE NOWAIT")).all()
            conn.rollback()
        assert wiring.webhook_sender().send_due().claimed == 0  # leased to the first sender
    finally:
        release.set()
        first.join(timeout=15)
    assert len(receiver.arrivals) == 1 and pending(db) == 0
    with db.unit_of_work() as session:
        assert session.scalar(sa.select(WebhookDelivery.leased_until)) is None


def test_the_rows_of_a_sender_that_died_mid_batch_are_sent_once_its_lease_has_run_out(
        wiring, tenant, events, receiver, db):
    register(wiring, tenant, receiver.url)
    publish(wiring, events.contact_upserted(tenant))
    with db.unit_of_work() as session:  # claimed by a sender that never came back
        session.execute(sa.update(WebhookDelivery).values(next_attempt_at=T0, leased_until=T0 + timedelta(minutes=5)))
    sender = wiring.webhook_sender()
    assert sender.send_due(now=T0 + timedelta(minutes=4)).claimed == 0
    assert sender.send_due(now=T0 + timedelta(minutes=5)).delivered == 1
    assert len(receiver.arrivals) == 1


# -- replays -----------------------------------------------------------------------------------

def test_replaying_a_delivery_sends_the_same_event_again(wiring, tenant, events, receiver, api_key):
    endpoint_id, secret = register(wiring, tenant, receiver.url)
    publish(wiring, events.contact_upserted(tenant))
    sender = wiring.webhook_sender()
    sender.send_due()
    client = create_app(wiring).test_client()
    [original] = client.get(f"{BASE}/endpoints/{endpoint_id}/deliveries", headers=api_key(tenant)).get_json()

    replay = client.post(f"{BASE}/deliveries/{original['id']}/replay", headers=api_key(tenant))
    assert replay.status_code == 202
    assert replay.get_json()["replay_of"] == original["id"] and replay.get_json()["status"] == "pending"
    sender.send_due()

    first, second = receiver.arrivals
    assert first.body == second.body and verified(second, secret)
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == original["event_id"]
    log = client.get(f"{BASE}/endpoints/{endpoint_id}/deliveries", headers=api_key(tenant)).get_json()
    assert [d["status"] for d in log] == ["delivered", "delivered"]


def test_replaying_since_a_time_resends_what_occurred_since_in_order(wiring, tenant, events, receiver, api_key):
    endpoint_id, secret = register(wiring, tenant, receiver.url)
    contact = str(uuid.uuid4())
    sent = [events.contact_upserted(tenant, contact, revision=n, occurred_at=T0 + timedelta(minutes=n))
            for n in (1, 2, 3)]
    publish(wiring, *sent)
    sender = wiring.webhook_sender()
    run_until_quiet(sender, datetime.now(UTC))
    client = create_app(wiring).test_client()

    response = client.post(f"{BASE}/endpoints/{endpoint_id}/replay", headers=api_key(tenant),
                           json={"since": (T0 + timedelta(minutes=2)).isoformat()})
    assert response.status_code == 202 and response.get_json() == {"replayed": 2}
    run_until_quiet(sender, datetime.now(UTC))

    revisions = [verified(a, secret)["data"]["revision"] for a in receiver.arrivals]
    assert revisions == [1, 2, 3, 2, 3]


# -- persistent failure ------------------------------------------------------------------------

def test_an_endpoint_failing_for_the_whole_schedule_is_disabled_and_the_company_is_emailed(
        wiring, tenant, events, receiver, db, api_key, make_branch_created):
    publish_contact = make_branch_created(company_id=tenant, company_name="Green Acres",
                                          company_contact_email="owner@greenacres.example")
    with db.unit_of_work() as session:
        remember_company_contact(session, publish_contact)
    endpoint_id, _ = register(wiring, tenant, receiver.url)
    receiver.status = 500
    publish(wiring, events.contact_upserted(tenant))
    sender = wiring.webhook_sender()
    assert sender.schedule.total > timedelta(hours=24)

    start = datetime.now(UTC)
    run_until_quiet(sender, start, step=timedelta(minutes=30), until=start + timedelta(hours=23))
    client = create_app(wiring).test_client()
    assert client.get(f"{BASE}/endpoints/{endpoint_id}", headers=api_key(tenant)).get_json()["enabled"] is True
    run_until_quiet(sender, start + timedelta(hours=23), step=timedelta(minutes=30))

    endpoint = client.get(f"{BASE}/endpoints/{endpoint_id}", headers=api_key(tenant)).get_json()
    assert endpoint["status"] == "disabled" and "HTTP 500" in endpoint["disabled_reason"]
    assert len(receiver.arrivals) == sender.schedule.max_attempts == 8
    with db.unit_of_work() as session:
        [email] = session.scalars(sa.select(OutboundMessage)).all()
    assert email.template == "webhook_endpoint_disabled" and email.to_address == "owner@greenacres.example"
    assert receiver.url in email.text_body and email.tenant_id == tenant

    # While disabled, events are kept for it and nothing is sent; enabling sends what waited.
    receiver.status = 204
    publish(wiring, events.contact_upserted(tenant))
    sender.send_due(now=datetime.now(UTC) + timedelta(days=2))
    assert len(receiver.arrivals) == 8
    replay = client.post(f"{BASE}/endpoints/{endpoint_id}/replay", json={"since": start.isoformat()},
                         headers=api_key(tenant))
    assert replay.status_code == 409 and replay.get_json()["code"] == "endpoint_disabled"
    enabled = client.patch(f"{BASE}/endpoints/{endpoint_id}", json={"enabled": True}, headers=api_key(tenant))
    assert enabled.get_json()["enabled"] is True and enabled.get_json()["disabled_reason"] is None
    sender.send_due(now=datetime.now(UTC) + timedelta(seconds=1))
    assert len(receiver.arrivals) == 9


def test_a_given_up_delivery_does_not_disable_an_endpoint_that_succeeded_meanwhile(wiring, tenant, events,
                                                                                  receiver, db):
    register(wiring, tenant, receiver.url)
    broken = str(uuid.uuid4())
    receiver.answer = lambda arrival: 500 if arrival.event["data"].get("contact_id") == broken else 204
    publish(wiring, events.contact_upserted(tenant, broken), events.contact_upserted(tenant))
    sender = wiring.webhook_sender()
    start = datetime.now(UTC)
    run_until_quiet(sender, start, step=timedelta(hours=1))
    with db.unit_of_work() as session:
        assert session.scalar(sa.select(WebhookEndpoint.status)) == "enabled"
        assert sorted(session.scalars(sa.select(WebhookDelivery.status))) == ["delivered", "failed"]


# -- outside dev mode: checked again at send time ----------------------------------------------

def test_outside_dev_mode_a_name_that_now_resolves_to_loopback_is_refused_at_send_time(wire, tenant, events, receiver,
                                                                                      db):
    """DNS rebinding: public when registered, 127.0.0.1 when sent. Nothing reaches the receiver."""
    dns = {"erp.example.com": ["93.184.216.34"]}
    wiring = wire(dev_mode=False, resolve=lambda host, port: dns[host])
    register(wiring, tenant, f"https://erp.example.com:{receiver.port}/hooks")
    dns["erp.example.com"] = ["127.0.0.1"]
    publish(wiring, events.contact_upserted(tenant))

    assert wiring.webhook_sender().send_due().retrying == 1
    assert receiver.arrivals == []
    with db.unit_of_work() as session:
        error = session.scalar(sa.select(WebhookAttempt.error))
    assert error.startswith("refused:") and "127.0.0.1" in error


# -- through the broker --------------------------------------------------------------------------

def test_the_worker_fans_out_from_the_bus_and_delivers_once_the_endpoint_is_back(wiring, tenant, events, receiver,
                                                                                 bus_settings, wait_until):
    """The real consumer (inbox, ack after commit) and the real sender loop, in threads."""
    _, secret = register(wiring, tenant, receiver.url)
    receiver.stop()
    # Tries every 0.3 s for a minute: the endpoint is back long before the schedule runs out.
    wiring.webhook_schedule = RetrySchedule.of_seconds([0.3] * 200)
    consumer, sender = wiring.webhooks_consumer(), wiring.webhook_sender()
    sender.poll_interval = 0.05
    names = Names(bus_settings.namespace)
    connection = pika.BlockingConnection(pika.URLParameters(bus_settings.url))
    consumer.declare(connection.channel())  # queue and bindings, as `migrate` does before any event flows
    stop = threading.Event()
    threads = [threading.Thread(target=loop, args=(stop,), daemon=True) for loop in (consumer.run, sender.run)]
    for thread in threads:
        thread.start()
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        contact = str(uuid.uuid4())
        sent = [events.contact_upserted(tenant, contact, revision=n, occurred_at=T0 + timedelta(seconds=n))
                for n in (1, 2, 3)]
        for event in sent:
            channel.basic_publish(names.events_exchange, routing_key=event.type, body=_json(event),
                                  properties=pika.BasicProperties(message_id=event.id, type=event.type,
                                                                  delivery_mode=2), mandatory=True)
        connection.close()
        wait_until(lambda: deliveries(wiring.db) == 3, what="the fan-out", timeout=30)
        receiver.start()
        wait_until(lambda: len(receiver.arrivals) >= 3, what="the deliveries", timeout=30)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=10)
    assert [verified(a, secret)["data"]["revision"] for a in receiver.arrivals] == [1, 2, 3]


def _json(event) -> bytes:
    import json

    return json.dumps(event.to_dict()).encode()
