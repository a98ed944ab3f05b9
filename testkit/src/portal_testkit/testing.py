"""What the test suites share: the real servers to use, throwaway databases and namespaces,
and control of the local broker for outage tests.

Where the servers are: TEST_POSTGRES_URL / TEST_AMQP_URL / TEST_REDIS_URL (the Makefile sets
them to the local servers); otherwise testcontainers when a Docker engine answers; otherwise
the tests fail with a message saying what to set. Never a silent skip.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit

from portal_shared.config import BusSettings


class InfrastructureMissing(RuntimeError):
    pass


@dataclass(frozen=True)
class Infrastructure:
    postgres_url: str
    amqp_url: str
    redis_url: str


@cache
def infrastructure() -> Infrastructure:
    pg, amqp, redis_url = (os.environ.get(n) for n in ("TEST_POSTGRES_URL", "TEST_AMQP_URL", "TEST_REDIS_URL"))
    if pg and amqp and redis_url:
        return Infrastructure(pg, amqp, redis_url)
    if _docker_engine_available():
        return _start_containers()
    raise InfrastructureMissing(
        "Integration tests need real PostgreSQL, RabbitMQ and Redis. Set TEST_POSTGRES_URL, TEST_AMQP_URL and "
        "TEST_REDIS_URL (`make test` sets them to the local servers), or run a Docker engine for testcontainers."
    )


def _docker_engine_available() -> bool:
    try:
        import docker

        docker.from_env(timeout=3).ping()
        return True
    except Exception:  # noqa: BLE001 - no engine, no client config: same answer
        return False


def _start_containers() -> Infrastructure:
    from testcontainers.postgres import PostgresContainer
    from testcontainers.rabbitmq import RabbitMqContainer
    from testcontainers.redis import RedisContainer

    pg = PostgresContainer("postgres:16", driver="psycopg").start()
    rabbit = RabbitMqContainer("rabbitmq:3.13").start()
    redis_container = RedisContainer("redis:7").start()
    pg_url = pg.get_connection_url().rsplit("/", 1)[0]
    amqp = f"amqp://guest:guest@{rabbit.get_container_host_ip()}:{rabbit.get_exposed_port(5672)}/%2F"
    redis_url = f"redis://{redis_container.get_container_host_ip()}:{redis_container.get_exposed_port(6379)}/0"
    return Infrastructure(pg_url, amqp, redis_url)


def require_reachable() -> Infrastructure:
    """The infrastructure, after checking each server answers; raises with a clear message if not."""
    infra = infrastructure()
    for name, url, default_port in (("PostgreSQL", infra.postgres_url, 5432), ("RabbitMQ", infra.amqp_url, 5672),
                                    ("Redis", infra.redis_url, 6379)):
        parts = urlsplit(url.replace("postgresql+psycopg", "postgresql"))
        try:
            socket.create_connection((parts.hostname or "localhost", parts.port or default_port), timeout=3).close()
        except OSError as exc:
            raise InfrastructureMissing(f"{name} is not reachable at {parts.hostname}:{parts.port or default_port} "
                                        f"({exc}); the integration tests need it running.") from exc
    return infra


def unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


@contextmanager
def throwaway_database(package: str) -> Iterator[str]:
    """A fresh database migrated with `package`'s migrations, dropped afterwards."""
    from portal_shared.db import drop_database
    from portal_shared.migrations import upgrade

    url = f"{require_reachable().postgres_url.rstrip('/')}/{unique('portaltest_' + package)}"
    upgrade(package, url)
    try:
        yield url
    finally:
        drop_database(url)


def bus_settings(**overrides) -> BusSettings:
    """Bus settings in a namespace of their own, with short retry delays."""
    values = dict(url=require_reachable().amqp_url, namespace=unique("test").replace("_", "-"),
                  retry_delays_ms=(200, 400), max_retries=2, heartbeat=10)
    values.update(overrides)
    return BusSettings(**values)


# -- the local broker, for outage tests -------------------------------------------------------

def _rabbitmqctl(*args: str, timeout: float = 60) -> None:
    ctl = shutil.which("rabbitmqctl")
    if ctl is None:
        raise InfrastructureMissing("Broker outage tests stop and start the local RabbitMQ with rabbitmqctl, "
                                    "which is not installed here.")
    subprocess.run([ctl, *args], check=True, timeout=timeout, capture_output=True)


def broker_accepting(amqp_url: str) -> bool:
    from portal_shared.bus.connection import broker_reachable

    try:
        broker_reachable(BusSettings(url=amqp_url), timeout=2)
        return True
    except Exception:  # noqa: BLE001
        return False


def stop_broker() -> None:
    """Stop the local RabbitMQ application: every connection drops and new ones are refused."""
    _rabbitmqctl("stop_app")


def start_broker(amqp_url: str, timeout: float = 60) -> None:
    _rabbitmqctl("start_app")
    deadline = time.monotonic() + timeout
    while not broker_accepting(amqp_url):
        if time.monotonic() > deadline:
            raise RuntimeError("RabbitMQ did not accept connections again in time")
        time.sleep(0.3)


@contextmanager
def broker_stopped(amqp_url: str) -> Iterator[None]:
    """Stop the broker for the block; it is always running again afterwards."""
    stop_broker()
    try:
        yield
    finally:
        start_broker(amqp_url)


def wait_for(predicate, timeout: float = 10.0, interval: float = 0.1, message: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message}")
        time.sleep(interval)


def queue_depth(settings: BusSettings, queue: str) -> int:
    from portal_shared.bus.connection import connect

    connection = connect(settings)
    try:
        return connection.channel().queue_declare(queue, passive=True).method.message_count
    finally:
        connection.close()


def row_count(db, table: str) -> int:
    import sqlalchemy as sa

    with db.engine.connect() as conn:
        return conn.scalar(sa.text(f"SELECT count(*) FROM {table}"))  # noqa: S608 - test helper, fixed names


def connect_patiently(settings: BusSettings, timeout: float = 60.0):
    """A broker connection for test set-up and clean-up, waiting out a broker restart (outage tests
    on the same machine may have it stopped for a few seconds)."""
    from portal_shared.bus.connection import connect

    deadline = time.monotonic() + timeout
    while True:
        try:
            return connect(settings)
        except Exception:  # noqa: BLE001 - any connection failure: wait and retry until the deadline
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def drop_bus_namespace(stack) -> None:
    """A started stack's queues and exchanges (portal_devstack.running.started_stack's clean-up)."""
    delete_bus_namespace(BusSettings(url=stack.amqp_url, namespace=stack.namespace))


def delete_bus_namespace(settings: BusSettings) -> None:
    """Remove every queue and exchange of a throwaway namespace (best effort: tests only)."""
    from portal_shared.bus.topology import Names

    ctl = shutil.which("rabbitmqctl")
    queues = []
    if ctl:
        out = subprocess.run([ctl, "list_queues", "name", "-q"], capture_output=True, text=True, timeout=30)
        queues = [q.strip() for q in out.stdout.splitlines() if q.strip().startswith(settings.namespace + ".")]
    names = Names(settings.namespace)
    connection = connect_patiently(settings)
    channel = connection.channel()
    for queue in queues:
        channel.queue_delete(queue)
    channel.exchange_delete(names.events_exchange)
    channel.exchange_delete(names.unrouted_exchange)
    connection.close()
