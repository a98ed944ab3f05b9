"""Before starting anything: are PostgreSQL, RabbitMQ and Redis reachable? Say which is not, and how to fix it."""
from __future__ import annotations

import psycopg
import redis
from sqlalchemy.engine import make_url

from portal_shared.bus.connection import broker_reachable
from portal_shared.config import BusSettings

HOW_TO_START = {
    "PostgreSQL": "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start   (or: sudo service postgresql start)",
    "RabbitMQ": "rabbitmq-server -detached   (or: sudo service rabbitmq-server start)",
    "Redis": 'redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save ""   (or: sudo service redis-server start)',
}


def _postgres(url: str) -> None:
    parsed = make_url(url)
    psycopg.connect(host=parsed.host or "localhost", port=parsed.port or 5432, user=parsed.username,
                    password=parsed.password, dbname="postgres", connect_timeout=3).close()


def _rabbitmq(url: str) -> None:
    broker_reachable(BusSettings(url=url), timeout=3)


def _redis(url: str) -> None:
    redis.Redis.from_url(url, socket_connect_timeout=3).ping()


def problems(postgres_url: str, amqp_url: str, redis_url: str) -> list[str]:
    checks = [("PostgreSQL", postgres_url, _postgres), ("RabbitMQ", amqp_url, _rabbitmq), ("Redis", redis_url, _redis)]
    found = []
    for name, url, check in checks:
        try:
            check(url)
        except Exception as exc:  # noqa: BLE001 - any failure is reported by name, without a traceback
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            shown = make_url(url).render_as_string(hide_password=True) if name == "PostgreSQL" else url.split("@")[-1]
            found.append(f"{name} is not reachable at {shown} ({reason}).\n    Start it with: {HOW_TO_START[name]}")
    return found
