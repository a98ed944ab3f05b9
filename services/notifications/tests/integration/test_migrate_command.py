"""`portal-notifications migrate` creates the database and migrates it to head, matching the models."""
from __future__ import annotations

import time
import uuid

import pika
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from portal_notifications.adapters.orm import metadata
from portal_notifications.cli import main
from portal_notifications.service_layer.handlers import EMAILS_CONSUMER
from portal_shared.bus.topology import Names
from portal_shared.config import BusSettings
from portal_shared.db import drop_database
from portal_testkit.testing import delete_bus_namespace


def test_migrate_creates_the_database_with_the_outbound_log_and_bus_tables(monkeypatch, postgres_url, bus_settings):
    url = f"{postgres_url}/portal_test_notifications_cli_{uuid.uuid4().hex[:10]}"
    monkeypatch.setenv("DATABASE_URL", url)
    # A namespace of its own: `migrate` also declares the topology, and `portal` belongs to `make run`.
    monkeypatch.setenv("AMQP_URL", bus_settings.url)
    monkeypatch.setenv("BUS_NAMESPACE", f"test-notif-migrate-{uuid.uuid4().hex[:8]}")
    try:
        assert main(["migrate"]) == 0
        assert main(["migrate"]) == 0  # a second run changes nothing
        engine = sa.create_engine(url)
        try:
            tables = set(sa.inspect(engine).get_table_names())
        finally:
            engine.dispose()
        assert {"outbound_messages", "webhook_endpoints", "webhook_deliveries", "webhook_attempts",
                "company_contacts", "outbox", "inbox", "alembic_version"} <= tables
    finally:
        delete_bus_namespace(BusSettings.from_env())
        drop_database(url)


def test_the_migrations_build_exactly_the_tables_the_models_describe(database_url):
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            differences = compare_metadata(MigrationContext.configure(conn), metadata)
    finally:
        engine.dispose()
    assert differences == []


def test_migrate_binds_the_emails_queue_to_every_event_it_handles(monkeypatch, postgres_url, bus_settings):
    """So an identity event published before the worker first starts still reaches the consumer."""
    url = f"{postgres_url}/portal_test_notifications_cli_{uuid.uuid4().hex[:10]}"
    names = Names(f"test-notif-migrate-{uuid.uuid4().hex[:8]}")
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("AMQP_URL", bus_settings.url)
    monkeypatch.setenv("BUS_NAMESPACE", names.namespace)
    event_types = ["branch_created", "invitation_created", "password_reset_requested", "password_changed"]
    connection = pika.BlockingConnection(pika.URLParameters(bus_settings.url))
    try:
        assert main(["migrate"]) == 0
        channel = connection.channel()
        channel.confirm_delivery()
        for event_type in event_types:
            channel.basic_publish(names.events_exchange, routing_key=event_type, body=b"{}", mandatory=True)
        deadline = time.monotonic() + 10
        while (waiting := channel.queue_declare(names.queue(EMAILS_CONSUMER), passive=True).method.message_count) \
                < len(event_types) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert waiting == len(event_types)
        assert channel.queue_declare(names.unrouted_queue, passive=True).method.message_count == 0
    finally:
        connection.close()
        delete_bus_namespace(BusSettings.from_env())
        drop_database(url)


def test_migrate_binds_the_webhooks_queue_to_the_allow_listed_events_and_the_branch_events(monkeypatch, postgres_url,
                                                                                          bus_settings):
    """The back office's events published before the worker first starts still get fanned out."""
    from portal_notifications.service_layer.webhook_fanout import WEBHOOKS_CONSUMER
    from portal_shared.events.webhooks import webhook_event_types

    url = f"{postgres_url}/portal_test_notifications_cli_{uuid.uuid4().hex[:10]}"
    names = Names(f"test-notif-migrate-{uuid.uuid4().hex[:8]}")
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("AMQP_URL", bus_settings.url)
    monkeypatch.setenv("BUS_NAMESPACE", names.namespace)
    event_types = [*webhook_event_types(), "branch_created", "branch_updated"]
    connection = pika.BlockingConnection(pika.URLParameters(bus_settings.url))
    try:
        assert main(["migrate"]) == 0
        channel = connection.channel()
        channel.confirm_delivery()
        for event_type in [*event_types, "invitation_created"]:
            channel.basic_publish(names.events_exchange, routing_key=event_type, body=b"{}", mandatory=True)
        deadline = time.monotonic() + 10
        while channel.queue_declare(names.queue(WEBHOOKS_CONSUMER), passive=True).method.message_count \
                < len(event_types) and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.3)
        assert channel.queue_declare(names.queue(WEBHOOKS_CONSUMER), passive=True).method.message_count \
            == len(event_types)  # invitation_created (a secret) is not among them
    finally:
        connection.close()
        delete_bus_namespace(BusSettings.from_env())
        drop_database(url)
