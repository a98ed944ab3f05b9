"""Keeps the routing table current: a snapshot from portal-config, then branch events.

The subscriber binds its queue first and then loads the snapshot (after every reconnect), so
a branch created at any moment is either in the snapshot or in an event that follows it.
"""
from __future__ import annotations

import json

import threading

from portal_gateway.adapters.upstreams import UpstreamPool
from portal_gateway.routing.branches import BranchTable
from portal_shared.bus.subscriber import Subscriber
from portal_shared.config import BusSettings
from portal_shared.events.envelope import Envelope
from portal_shared.identity_token import HEADER, sign_identity
from portal_shared.logging import get_logger

log = get_logger(__name__)
BRANCH_EVENTS = ("branch_created", "branch_updated")


class BranchFeed:
    def __init__(self, table: BranchTable, *, config_pool: UpstreamPool, bus: BusSettings, secret: str):
        self.table = table
        self.config_pool = config_pool
        self.secret = secret
        self.subscriber = Subscriber(name="gateway-branches", event_types=BRANCH_EVENTS, on_event=self.on_event,
                                     settings=bus, on_connected=self.load_snapshot)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self.subscriber.run, args=(self._stop,),
                                        name="gateway-branch-feed", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    @property
    def connected(self) -> bool:
        return self.subscriber.connected.is_set()

    def on_event(self, envelope: Envelope) -> None:
        if self.table.apply(envelope.data):
            log.info("branch_route_updated", slug=envelope.data["slug"], enabled=envelope.data["enabled"],
                     revision=envelope.data["revision"])

    def load_snapshot(self) -> None:
        token = sign_identity({"sub": "gateway", "kind": "service"}, self.secret)
        answer = self.config_pool.send("GET", "/internal/branches", query="", headers={HEADER: token}, body=None)
        body = answer.read_all()
        if answer.status_code != 200:
            raise RuntimeError(f"portal-config answered {answer.status_code} for the branch snapshot")
        rows = json.loads(body)
        self.table.load_snapshot(rows)
        log.info("branch_snapshot_loaded", branches=len(rows))
