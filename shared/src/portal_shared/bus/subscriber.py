"""A per-process subscription for in-memory read models (e.g. the gateway's branch table).

Each process gets its own exclusive, auto-deleted queue bound to the event types it follows,
so every process sees every event. After each (re)connect, `on_connected` runs once the
queue is bound: the owner reloads its snapshot there, so events missed while disconnected
are covered and none that arrive afterwards are lost. Handlers must be idempotent and
order-tolerant (events carry revisions for that).
"""
from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable

from portal_shared.bus.connection import BROKER_ERRORS, Stopped, close_quietly, connect_with_backoff
from portal_shared.bus.topology import Names, declare_exchanges
from portal_shared.config import BusSettings
from portal_shared.events.envelope import Envelope
from portal_shared.logging import get_logger

log = get_logger(__name__)


class Subscriber:
    def __init__(self, *, name: str, event_types: Iterable[str], on_event: Callable[[Envelope], None],
                 settings: BusSettings, on_connected: Callable[[], None] | None = None):
        self.name = name
        self.event_types = list(event_types)
        self.on_event = on_event
        self.on_connected = on_connected
        self.settings = settings
        self.names = Names(settings.namespace)
        self.connected = threading.Event()

    def run(self, stop: threading.Event) -> None:
        connection = None
        while not stop.is_set():
            try:
                connection = connect_with_backoff(self.settings, stop, what=f"subscriber:{self.name}")
                channel = connection.channel()
                declare_exchanges(channel, self.names)
                queue = channel.queue_declare("", exclusive=True, auto_delete=True).method.queue
                for event_type in self.event_types:
                    channel.queue_bind(queue, self.names.events_exchange, routing_key=event_type)
                channel.basic_consume(queue, on_message_callback=self._on_message, auto_ack=False)
                if self.on_connected:
                    self.on_connected()
                self.connected.set()
                while not stop.is_set():
                    connection.process_data_events(time_limit=0.5)
            except Stopped:
                break
            except BROKER_ERRORS as exc:
                log.warning("subscriber_broker_error", subscriber=self.name, error=repr(exc))
                stop.wait(0.5)
            except Exception:  # noqa: BLE001 - e.g. the snapshot source is down: retry the whole cycle
                log.exception("subscriber_error", subscriber=self.name)
                stop.wait(1.0)
            finally:
                self.connected.clear()
                close_quietly(connection)
                connection = None

    def _on_message(self, channel, method, properties, body: bytes) -> None:
        try:
            self.on_event(Envelope.from_dict(json.loads(body)))
        except Exception:  # noqa: BLE001 - a bad event must not stop the read model
            log.exception("subscriber_event_failed", subscriber=self.name, message_id=properties.message_id)
        channel.basic_ack(method.delivery_tag)
