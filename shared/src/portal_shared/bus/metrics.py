"""Prometheus figures about the broker that no single consumer owns: the unrouted queue's depth.

`portal_bus_unrouted_messages` is read from the broker when scraped (a passive declare on a
short-lived connection), next to the bound it cannot pass (`portal_bus_unrouted_limit_messages`),
so an alert can fire before the oldest events start being dropped. The gateway exposes it on
its /metrics (operator token); docs/operations.md has the alerting rule.
"""
from __future__ import annotations

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from portal_shared.bus.connection import connection_parameters
from portal_shared.bus.topology import UNROUTED_MAX_LENGTH, Names, unrouted_depth
from portal_shared.config import BusSettings
from portal_shared.logging import get_logger

log = get_logger(__name__)


class UnroutedQueueCollector(Collector):
    def __init__(self, settings: BusSettings, *, timeout: float = 2.0):
        self.settings = settings
        self.names = Names(settings.namespace)
        self.timeout = timeout

    def collect(self):
        labels = [self.settings.namespace]
        limit = GaugeMetricFamily("portal_bus_unrouted_limit_messages",
                                  "Most events the unrouted queue keeps (the oldest are dropped beyond it)",
                                  labels=["namespace"])
        limit.add_metric(labels, UNROUTED_MAX_LENGTH)
        yield limit
        up = GaugeMetricFamily("portal_bus_unrouted_scrape_ok", "1 when the unrouted queue's depth could be read",
                               labels=["namespace"])
        try:
            depth = self._read_depth()
        except Exception as exc:  # noqa: BLE001 - a scrape must answer even with the broker away
            log.warning("unrouted_depth_unavailable", error=str(exc))
            up.add_metric(labels, 0)
            yield up
            return
        up.add_metric(labels, 1)
        yield up
        gauge = GaugeMetricFamily("portal_bus_unrouted_messages",
                                  "Events waiting in <namespace>.unrouted: published, bound by no consumer",
                                  labels=["namespace"])
        gauge.add_metric(labels, depth)
        yield gauge

    def _read_depth(self) -> int:
        import pika

        params = connection_parameters(self.settings, socket_timeout=self.timeout)
        params.heartbeat = 0
        params.stack_timeout = self.timeout
        params.blocked_connection_timeout = self.timeout
        connection = pika.BlockingConnection(params)
        try:
            return unrouted_depth(connection.channel(), self.names)
        finally:
            connection.close()
