"""`FeatureService`: the declaration of a feature service, and what the kit builds from it."""
from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import UUID
from flask import Flask
from flask_smorest import Blueprint
from marshmallow import Schema
from sqlalchemy.orm import Session

from portal_shared.access.consumer import access_consumer
from portal_shared.access.tables import define_property_access_tables
from portal_shared.bus.consumer import Consumer
from portal_shared.bus.outbox import define_bus_tables
from portal_shared.bus.relay import OutboxRelay
from portal_shared.bus.worker import run_worker
from portal_shared.cli import service_cli
from portal_shared.config import ServiceSettings
from portal_shared.db import Database
from portal_shared.web import create_service_app
from portal_shared.web.health import standard_checks

# A consumer's handler: runs in the consumer's transaction with the inbox row; never commits.
Handler = Callable[[Session, Any], Any]
# A plain worker loop of the service's own (not a consumer): built from the worker's database and settings,
# it runs until the stop event is set (portal_shared.bus.worker restarts it if it raises).
LoopFactory = Callable[[Database, ServiceSettings], Callable[[Any], None]]
# The figures of /summary over the properties the customer may see (possibly none):
# figures(session, tenant_id=..., property_ids=[...]) -> {"invoices_due": 1, ...}
Figures = Callable[..., dict[str, Any]]


def feature_metadata() -> sa.MetaData:
    """The tables every feature service has: the bus's outbox and inbox, and the property-access read model."""
    metadata = sa.MetaData()
    define_bus_tables(metadata)
    define_property_access_tables(metadata)
    return metadata


ID = UUID(as_uuid=False)


def property_records(metadata: sa.MetaData, name: str, *columns: sa.Column | sa.Index) -> sa.Table:
    """A table of records that each belong to one property of one tenant (invoices, visits, ...):
    `id`, `tenant_id` and `property_id` come first, then the service's own columns and indexes."""
    return sa.Table(
        name, metadata,
        sa.Column("id", ID, primary_key=True),
        sa.Column("tenant_id", ID, nullable=False),
        sa.Column("property_id", ID, nullable=False),
        *columns,
    )


@dataclass(frozen=True)
class Summary:
    """The service's card on Home: `schema` documents the figures (the kit adds `property_ids`),
    `figures` computes them."""

    schema: type[Schema]
    figures: Figures


@dataclass(frozen=True, kw_only=True)
class FeatureService:
    name: str                                           # "billing": settings, queues, metrics, database
    package: str                                        # "portal_billing": its Alembic migrations
    metadata: sa.MetaData                               # feature_metadata() + its own tables
    summary: Summary
    blueprints: Sequence[Blueprint] = ()
    consumers: Mapping[str, Mapping[str, Handler]] = field(default_factory=dict)  # suffix → {type: handler}
    seed: Callable[[Database, dict], None] | None = None
    loops: Mapping[str, LoopFactory] = field(default_factory=dict)               # name → factory("loop:<name>")

    # -- the app ------------------------------------------------------------------------------

    def create_app(self, settings: ServiceSettings | None = None) -> Flask:
        from portal_shared.kit.summary import summary_blueprint

        settings = settings or ServiceSettings.from_env(self.name)
        db = Database(settings.database_url)
        app, api = create_service_app(
            self.package, service=self.name, readiness_checks=standard_checks(db, settings.bus),
            internal_token_secret=settings.internal_token_secret, log_level=settings.log_level,
        )
        app.extensions["portal_db"] = db
        app.extensions["portal_feature"] = self
        api.register_blueprint(summary_blueprint(self))
        for blueprint in self.blueprints:
            api.register_blueprint(blueprint)
        return app

    # -- the worker ---------------------------------------------------------------------------

    def bus_consumers(self, settings: ServiceSettings, db: Database | None = None) -> list[Consumer]:
        """`<name>.access`, then one consumer per declared handler table, in declaration order."""
        db = db or Database(settings.database_url)
        return [access_consumer(self.name, db, settings.bus)] + [
            Consumer(name=f"{self.name}.{suffix}", handlers=dict(handlers), db=db, settings=settings.bus)
            for suffix, handlers in self.consumers.items()
        ]

    def worker_loops(self, settings: ServiceSettings) -> list[tuple[str, Callable]]:
        """The worker's loops: the outbox relay, every consumer ("consumer:<suffix>"), then the declared
        plain loops ("loop:<name>")."""
        db = Database(settings.database_url)
        return [("outbox-relay", OutboxRelay(db, settings.bus).run)] + [
            (f"consumer:{consumer.name.removeprefix(self.name + '.')}", consumer.run)
            for consumer in self.bus_consumers(settings, db)
        ] + [(f"loop:{name}", factory(db, settings)) for name, factory in self.loops.items()]

    # -- the CLI ------------------------------------------------------------------------------

    def cli(self, argv: list[str] | None = None) -> int:
        """`portal-<name> migrate|worker|declare-topology|seed`."""
        return service_cli(
            service=self.name, package=self.package,
            worker=lambda settings: run_worker(self.name, self.worker_loops(settings)),
            consumers=self.bus_consumers,
            seed=self._seed if self.seed else None,
        )(argv)

    def _seed(self, settings: ServiceSettings, path: str) -> None:
        with open(path, encoding="utf-8") as file:
            demo = json.load(file)
        db = Database(settings.database_url)
        try:
            self.seed(db, demo)
        finally:
            db.dispose()
