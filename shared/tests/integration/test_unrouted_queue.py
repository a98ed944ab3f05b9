"""<ns>.unrouted against the real RabbitMQ: bounded (oldest dropped), a queue declared before the
bound is replaced, and its depth is a Prometheus gauge."""
from __future__ import annotations

import pika
import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from portal_shared.bus.connection import connect
from portal_shared.bus.metrics import UnroutedQueueCollector
from portal_shared.bus.topology import UNROUTED_MAX_LENGTH, Names, declare_exchanges
from portal_shared.config import BusSettings
from portal_testkit.testing import queue_depth

pytestmark = pytest.mark.integration


@pytest.fixture
def channel(bus):
    connection = connect(bus)
    yield connection.channel()
    cleanup = connection.channel() if connection.is_open else connect(bus).channel()
    cleanup.queue_delete(Names(bus.namespace).unrouted_queue)
    if connection.is_open:
        connection.close()


def publish_unbound(channel, names: Names, count: int, start: int = 0) -> None:
    """Events no consumer binds: the topic exchange hands them to its alternate exchange."""
    for n in range(start, start + count):
        channel.basic_publish(names.events_exchange, "nobody_listens", str(n).encode(),
                              properties=pika.BasicProperties(delivery_mode=1))


def oldest(channel, names: Names) -> str:
    _method, _props, body = channel.basic_get(names.unrouted_queue, auto_ack=False)
    channel.basic_nack(_method.delivery_tag, requeue=True)
    return body.decode()


def test_the_unrouted_queue_keeps_only_the_newest_events_up_to_its_bound(bus, channel):
    names = Names(bus.namespace)
    declare_exchanges(channel, names)
    publish_unbound(channel, names, UNROUTED_MAX_LENGTH + 25)
    channel.queue_declare(names.unrouted_queue, passive=True)  # a round trip: every publish has landed
    assert queue_depth(bus, names.unrouted_queue) == UNROUTED_MAX_LENGTH
    assert oldest(channel, names) == "25"  # the first 25 were dropped, not the newest


def test_an_unbounded_unrouted_queue_from_before_is_replaced_and_the_callers_channel_still_works(bus, channel):
    names = Names(bus.namespace)
    channel.exchange_declare(names.unrouted_exchange, exchange_type="fanout", durable=True)
    channel.queue_declare(names.unrouted_queue, durable=True, arguments={"x-queue-type": "classic"})  # the old way
    channel.queue_bind(names.unrouted_queue, names.unrouted_exchange)
    channel.basic_publish(names.unrouted_exchange, "", b"old")
    channel.queue_declare(names.unrouted_queue, passive=True)
    assert queue_depth(bus, names.unrouted_queue) == 1

    declare_exchanges(channel, names)  # what every process does at start
    declare_exchanges(channel, names)  # and again: now it matches, nothing is replaced

    assert channel.is_open
    assert queue_depth(bus, names.unrouted_queue) == 0  # wanted by nobody: dropped with the old queue
    publish_unbound(channel, names, 3)
    channel.queue_declare(names.unrouted_queue, passive=True)
    assert queue_depth(bus, names.unrouted_queue) == 3  # still bound behind the events exchange


def _metrics(settings: BusSettings) -> dict[str, float]:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(UnroutedQueueCollector(settings, timeout=1.0))
    text = generate_latest(registry).decode()
    return {s.name: s.value for family in text_string_to_metric_families(text) for s in family.samples}


def test_the_depth_and_its_bound_are_prometheus_gauges(bus, channel):
    names = Names(bus.namespace)
    declare_exchanges(channel, names)
    publish_unbound(channel, names, 7)
    channel.queue_declare(names.unrouted_queue, passive=True)
    metrics = _metrics(bus)
    assert metrics["portal_bus_unrouted_messages"] == 7
    assert metrics["portal_bus_unrouted_limit_messages"] == UNROUTED_MAX_LENGTH
    assert metrics["portal_bus_unrouted_scrape_ok"] == 1


def test_a_scrape_with_the_broker_away_still_answers_and_says_so(bus):
    away = BusSettings(url="amqp://guest:guest@127.0.0.1:9/%2F", namespace=bus.namespace)
    metrics = _metrics(away)
    assert metrics["portal_bus_unrouted_scrape_ok"] == 0
    assert "portal_bus_unrouted_messages" not in metrics
