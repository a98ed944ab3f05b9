"""FeatureService(loops=...): a service's own plain worker loops run after the relay and the consumers,
each built from the worker's database and settings."""
from __future__ import annotations

import threading

from marshmallow import Schema

from portal_shared.config import BusSettings, ServiceSettings
from portal_shared.kit import FeatureService, Summary, feature_metadata


def test_declared_loops_are_built_from_the_workers_database_and_settings_and_run_last():
    built = []

    def tick_factory(db, settings):
        built.append(settings.service)
        return lambda stop: stop.set()

    feature = FeatureService(name="unitloops", package="portal_unitloops", metadata=feature_metadata(),
                             summary=Summary(Schema, lambda session, **_: {}), loops={"tick": tick_factory})
    settings = ServiceSettings(service="unitloops", database_url="postgresql+psycopg://localhost:5432/unitloops",
                               bus=BusSettings(url="amqp://guest:guest@localhost:5672/%2F"))
    loops = feature.worker_loops(settings)
    assert [name for name, _ in loops] == ["outbox-relay", "consumer:access", "loop:tick"]
    assert built == ["unitloops"]
    stop = threading.Event()
    loops[-1][1](stop)
    assert stop.is_set()


def test_a_feature_service_declares_no_loops_unless_asked():
    feature = FeatureService(name="unitloops", package="portal_unitloops", metadata=feature_metadata(),
                             summary=Summary(Schema, lambda session, **_: {}))
    assert feature.loops == {}
