"""Publishing a batch of messages and waiting for the broker's confirms once, not once per message.

pika's BlockingChannel in confirm mode makes every `basic_publish` wait for that message's confirm:
a broker round trip, and a disk write of a quorum queue, per message. The asynchronous channel under
it (a `pika.channel.Channel`) can instead report confirms as they come, by delivery tag (the n-th
message published since `Confirm.Select` has tag n; an ack or nack may cover every tag up to its own
with `multiple`). `ConfirmedPublisher` publishes a whole batch on the blocking connection, then
services it until every message is acked, nacked or returned, and says which was which, so the relay
marks a row published only once the broker has confirmed that very message (ADR 0032).
"""
from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import takewhile

import pika
import pika.exceptions
from pika.adapters.blocking_connection import BlockingConnection


class ConfirmTimeout(pika.exceptions.AMQPError):
    """The broker did not confirm every message of a batch in time: treat the connection as broken."""


@dataclass(frozen=True)
class Message:
    """A message to publish, known by its `properties.message_id` (the outbox row id), which must be set."""
    exchange: str
    routing_key: str
    body: bytes
    properties: pika.BasicProperties


@dataclass
class Confirms:
    """What the broker said about a batch, by message id; an id in none of them was never confirmed."""
    acked: list[str] = field(default_factory=list)
    nacked: list[str] = field(default_factory=list)
    returned: list[str] = field(default_factory=list)   # mandatory and routed nowhere (acked after the return)


class ConfirmedPublisher:
    """A confirm-mode channel of `connection` that publishes batches. One per connection and thread."""

    def __init__(self, connection: BlockingConnection, *, confirm_timeout: float = 30.0):
        self.connection = connection
        self.confirm_timeout = confirm_timeout
        self.channel = connection.channel()
        # The asynchronous channel under the blocking one: the only public API that reports confirms
        # without waiting for each (pika.channel.Channel.confirm_delivery's ack_nack_callback).
        self._async_channel = self.channel._impl  # noqa: SLF001
        self._next_tag = 1
        self._unconfirmed: dict[int, str] = {}   # delivery tag → message id, in publishing order
        self._returned: set[str] = set()
        self._confirms = Confirms()
        selected: list[bool] = []
        self._async_channel.add_on_return_callback(self._on_return)
        self._async_channel.confirm_delivery(ack_nack_callback=self._on_confirm,
                                             callback=lambda _frame: self._wake(selected))
        self._service_until(lambda: bool(selected))

    def publish(self, messages: Iterable[Message]) -> Confirms:
        """Publish every message, then wait until the broker has confirmed all of them.

        Raises a broker error (the connection or channel went away, or `ConfirmTimeout`) with what was
        confirmed until then in `self.confirms`, so the caller can still record those.
        """
        self._confirms = Confirms()
        self._returned.clear()
        if self.channel.is_closed:
            raise pika.exceptions.ChannelWrongStateError("the confirm channel is closed")
        for message in messages:
            # On the asynchronous channel the frames are only queued: they leave in a few large writes
            # while the connection is serviced below, not in one system call per message.
            self._async_channel.basic_publish(exchange=message.exchange, routing_key=message.routing_key,
                                              body=message.body, properties=message.properties, mandatory=True)
            self._unconfirmed[self._next_tag] = message.properties.message_id
            self._next_tag += 1
        self._service_until(lambda: not self._unconfirmed)
        return self._confirms

    @property
    def confirms(self) -> Confirms:
        return self._confirms

    def _service_until(self, done) -> None:
        deadline = time.monotonic() + self.confirm_timeout
        while not done():
            if self.channel.is_closed:
                raise pika.exceptions.ChannelClosed(0, "the confirm channel closed with messages unconfirmed")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ConfirmTimeout(f"{len(self._unconfirmed)} message(s) not confirmed in {self.confirm_timeout} s")
            self.connection.process_data_events(time_limit=remaining)

    # -- called by pika while the connection is serviced --------------------------------------

    def _on_return(self, _channel, _method, properties, _body) -> None:
        # The broker sends a mandatory message's return before its ack.
        self._returned.add(properties.message_id)

    def _on_confirm(self, frame) -> None:
        method = frame.method
        nacked = isinstance(method, pika.spec.Basic.Nack)
        if method.multiple:
            tags = list(takewhile(lambda tag: tag <= method.delivery_tag, self._unconfirmed))
        else:
            tags = [method.delivery_tag] if method.delivery_tag in self._unconfirmed else []
        for tag in tags:
            key = self._unconfirmed.pop(tag)
            if nacked:
                self._confirms.nacked.append(key)
            elif key in self._returned:
                self._confirms.returned.append(key)
            else:
                self._confirms.acked.append(key)
        if not self._unconfirmed:
            self._wake()

    def _wake(self, flag: list[bool] | None = None) -> None:
        """Make the blocking connection's `process_data_events` return now instead of at its time limit."""
        if flag is not None:
            flag.append(True)
        self.connection.add_callback_threadsafe(lambda: None)
