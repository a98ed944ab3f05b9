"""Keeps the BrandingCache current: a snapshot from portal-config, then `portal_settings_updated` events.

The same pattern as the gateway's BranchFeed: the subscriber binds its own exclusive queue first
and then loads the snapshot (after every reconnect), so a save at any moment is either in the
snapshot or in an event that follows it; versions make a late or repeated copy harmless.
Started in `create_app`, which gunicorn runs in each worker after the fork.
"""
from __future__ import annotations

import threading

from portal_shared.bus.subscriber import Subscriber
from portal_shared.config import BusSettings
from portal_shared.events.envelope import Envelope
from portal_shared.identity_token import sign_identity
from portal_shared.logging import get_logger
from portal_web.adapters.portal_config import PortalConfigClient
from portal_web.branding import BrandingCache

log = get_logger(__name__)
SETTINGS_EVENTS = ("portal_settings_updated",)


class SettingsFeed:
    def __init__(self, cache: BrandingCache, *, config: PortalConfigClient, bus: BusSettings, secret: str):
        self.cache = cache
        self.config = config
        self.secret = secret
        self.subscriber = Subscriber(name="portal-web-settings", event_types=SETTINGS_EVENTS, on_event=self.on_event,
                                     settings=bus, on_connected=self.load_snapshot)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self.subscriber.run, args=(self._stop,),
                                        name="portal-web-settings-feed", daemon=True)
        self._thread.start()

    def stop(self, timeout: float | None = None) -> None:
        self._stop.set()
        if self._thread is not None and timeout is not None:
            self._thread.join(timeout=timeout)

    @property
    def connected(self) -> bool:
        return self.subscriber.connected.is_set()

    def on_event(self, envelope: Envelope) -> None:
        if envelope.type not in SETTINGS_EVENTS:
            return
        if self.cache.apply_data(envelope.data):
            log.info("portal_settings_applied", branch_id=envelope.data.get("branch_id"),
                     version=envelope.data.get("version"))

    def load_snapshot(self) -> None:
        token = sign_identity({"sub": "portal-web", "kind": "service"}, self.secret)
        rows = self.config.settings_snapshot(token)
        applied = self.cache.load_snapshot(rows)
        log.info("portal_settings_snapshot_loaded", branches=len(rows), applied=applied)
