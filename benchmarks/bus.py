"""The bus under load: events per second from the outbox to a consumer, beside raw pika on the same broker.
Prints figures; asserts nothing.

    .venv/bin/python benchmarks/bus.py                      # 20,000 events
    .venv/bin/python benchmarks/bus.py --events 5000
    .venv/bin/python benchmarks/bus.py --profile DIR        # also py-spy flame graphs of the relay and consumer
    PYSPY_FORMAT=raw .venv/bin/python benchmarks/bus.py --profile DIR   # collapsed stacks instead

Measured, each in the same run and on the same local broker (AMQP_URL, default guest@localhost):

- the ceiling: raw pika publishing N persistent messages to a queue of the bus's kind (quorum unless
  BUS_QUORUM_QUEUES=false), each basic_publish waiting for its publisher confirm, while another process
  consumes them with one basic_ack each — events/s from the first publish to the last ack;
- the writer: N events written with `record_event(session, make_event(...))` in transactions of
  WRITE_BATCH events, as a service writes them (its own rate, without relay or consumer running);
- the relay alone: the real `OutboxRelay` publishing those N pending rows (to the consumer's bound queue);
- the consumer alone: the real `Consumer` (inbox, acks) draining those N messages with a handler that
  does nothing;
- the round trip: relay and consumer running, WRITERS processes writing N new events between them (so
  that one writer's rate does not cap it; their own rate is printed too) — events/s from the first
  write to the last event handled (committed with its inbox row, acked).

Beside each rate, the CPU seconds its processes spent per 1,000 events (from /proc): a rate moves with
whatever else the machine is doing, CPU per event much less. The relay, the consumer and the raw pika
clients run in processes of their own, as they do in the stack (a service's worker, another service's
worker), with logs at INFO into test-artifacts/bench-logs/.
Everything is throwaway: a `portalbench_bus_*` database (dropped) and a `bench-bus-*` namespace (deleted).
"""
from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import shutil
import subprocess
import sys
import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from harness import LOGS, Row, print_rows

POSTGRES = os.environ.get("POSTGRES_URL", "postgresql+psycopg://localhost:5432").rstrip("/")
AMQP = os.environ.get("AMQP_URL", "amqp://guest:guest@localhost:5672/%2F")
EVENT_TYPE = "password_changed"
CONSUMER = "bench.sink"
WRITE_BATCH = 200       # events per transaction in the writer
WRITERS = 2             # writer processes in the round trip, like a service's two web workers
PROFILE_FORMAT = os.environ.get("PYSPY_FORMAT", "flamegraph")  # or raw: collapsed stacks, one a line
TARGET = "≥ the raw-pika ceiling (issue #11: about 3,300 events/s)"


def bus_settings(namespace: str):
    from portal_shared.config import BusSettings

    return replace(BusSettings.from_env(), url=AMQP, namespace=namespace)


def event(n: int):
    from portal_shared.events.envelope import make_event

    return make_event(EVENT_TYPE, {
        "contact_id": uuid.uuid4(), "to_email": f"customer{n}@example.com", "to_name": f"Customer {n}",
        "company_name": "Green Acres Landscaping", "portal_url": "https://demo.example.com",
        "changed_at": datetime.now(UTC), "how": "changed"},
        tenant_id="7f1f0c5e-7b4c-4a53-9c1a-2b0b4e2f6a11")


def write_events(db, count: int) -> tuple[float, float]:
    """Write `count` events as a service does, WRITE_BATCH to a transaction; (start, end) times."""
    from portal_shared.bus.outbox import record_event

    start = time.time()
    written = 0
    while written < count:
        with db.unit_of_work() as session:
            for n in range(written, min(count, written + WRITE_BATCH)):
                record_event(session, event(n))
        written = min(count, written + WRITE_BATCH)
    return start, time.time()


def writer_process(database_url: str, count: int, go, results) -> None:
    from portal_shared.db import Database

    db = Database(database_url)
    db.ping()
    event(0)  # imports and contracts loaded before the clock starts
    results.put("ready")
    go.wait()
    results.put(write_events(db, count))
    db.dispose()




def cpu_seconds(pid: int) -> float:
    """User + system CPU a process has used so far: unlike events/s, barely moved by a busy machine."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def per_thousand(cpu: float, count: int) -> str:
    return f"{1000 * cpu / count:.2f} CPU-s per 1,000"


# -- processes of their own ---------------------------------------------------------------------

def _child_logging(role: str) -> None:
    from portal_shared.logging import configure_logging

    LOGS.mkdir(parents=True, exist_ok=True)
    sys.stdout = open(LOGS / f"bus-{role}.log", "a", buffering=1)  # noqa: SIM115 - lives as long as the process
    configure_logging(f"bench-{role}", os.environ.get("LOG_LEVEL", "INFO"))


def relay_process(database_url: str, namespace: str, stop, started) -> None:
    from portal_shared.bus.relay import OutboxRelay
    from portal_shared.db import Database

    _child_logging("relay")
    relay = OutboxRelay(Database(database_url), bus_settings(namespace))
    started.put(time.time())
    relay.run(stop)


def consumer_process(database_url: str, namespace: str, expected: int, stop, results) -> None:
    from portal_shared.bus.consumer import Consumer
    from portal_shared.db import Database

    _child_logging("consumer")
    done = threading.Event()

    class CountingConsumer(Consumer):
        handled = 0

        def before_ack(self, envelope) -> None:  # after commit: the event is handled for good
            self.handled += 1
            if self.handled == expected:
                results.put(time.time())
                done.set()

    consumer = CountingConsumer(name=CONSUMER, handlers={EVENT_TYPE: lambda session, envelope: None},
                                db=Database(database_url), settings=bus_settings(namespace))
    results.put(time.time())  # started
    thread = threading.Thread(target=consumer.run, args=(stop,), daemon=True)
    thread.start()
    while not done.is_set() and not stop.is_set():
        done.wait(0.2)
    stop.wait()
    thread.join(timeout=15)


def raw_publisher_process(namespace: str, count: int, body: bytes, results) -> None:
    import pika

    from portal_shared.bus.connection import connect

    connection = connect(bus_settings(namespace))
    channel = connection.channel()
    channel.confirm_delivery()
    properties = pika.BasicProperties(content_type="application/json", delivery_mode=pika.DeliveryMode.Persistent)
    results.put(time.time())
    for n in range(count):
        properties.message_id = str(n)
        channel.basic_publish(exchange="", routing_key=f"{namespace}.raw", body=body, properties=properties,
                              mandatory=True)
    results.put(time.time())
    connection.close()


def raw_consumer_process(namespace: str, count: int, prefetch: int, results) -> None:
    from portal_shared.bus.connection import connect

    connection = connect(bus_settings(namespace))
    channel = connection.channel()
    channel.basic_qos(prefetch_count=prefetch)
    received = 0

    def on_message(ch, method, _properties, _body) -> None:
        nonlocal received
        ch.basic_ack(method.delivery_tag)
        received += 1
        if received == count:
            results.put(time.time())
            ch.stop_consuming()

    channel.basic_consume(f"{namespace}.raw", on_message_callback=on_message)
    results.put(time.time())  # consuming
    channel.start_consuming()
    connection.close()


@contextmanager
def child(target, *args, profile: Path | None = None, name: str = ""):
    """A spawned process (a fresh interpreter, like a worker), optionally recorded by py-spy, joined at the end."""
    process = mp.get_context("spawn").Process(target=target, args=args, daemon=True)
    process.start()
    spy = None
    if profile is not None:
        spy = subprocess.Popen([shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy"), "record",
                                "--pid", str(process.pid), "--rate", "200", "--nonblocking", "--format", PROFILE_FORMAT,
                                "-o", str(profile / f"{name}.{'txt' if PROFILE_FORMAT == 'raw' else 'svg'}")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield process
    finally:
        process.join(timeout=30)
        if process.is_alive():
            process.kill()
        if spy is not None:
            spy.wait(timeout=60)


# -- the measurements ------------------------------------------------------------------------------

def measure_raw(namespace: str, count: int, prefetch: int, body: bytes,
                quorum: bool) -> tuple[float, float, float]:
    """(round trip events/s, publisher alone events/s, CPU seconds of both) of raw pika with per-message confirms."""
    from portal_shared.bus.connection import connect

    connection = connect(bus_settings(namespace))
    connection.channel().queue_declare(f"{namespace}.raw", durable=True,
                                       arguments={"x-queue-type": "quorum" if quorum else "classic"})
    connection.close()
    ctx = mp.get_context("spawn")
    consumed, published = ctx.Queue(), ctx.Queue()
    with child(raw_consumer_process, namespace, count, prefetch, consumed) as consumer:
        consumed.get(timeout=60)
        consumer_cpu = cpu_seconds(consumer.pid)
        with child(raw_publisher_process, namespace, count, body, published) as publisher:
            first = published.get(timeout=60)
            publisher_cpu = cpu_seconds(publisher.pid)
            last_published = published.get(timeout=600)
            publisher_cpu = cpu_seconds(publisher.pid) - publisher_cpu
        last_acked = consumed.get(timeout=600)
        consumer_cpu = cpu_seconds(consumer.pid) - consumer_cpu
    return count / (last_acked - first), count / (last_published - first), publisher_cpu + consumer_cpu


def wait_until_published(engine, deadline: float) -> float:
    with engine.connect() as conn:
        while time.time() < deadline:
            if not conn.scalar(sa.text("SELECT EXISTS (SELECT 1 FROM outbox WHERE status = 'pending')")):
                return time.time()
            conn.commit()
            time.sleep(0.02)
    raise RuntimeError("the relay did not publish everything in time")


def measure_bus(database_url: str, namespace: str, count: int, profile: Path | None) -> dict[str, float]:
    from portal_shared.bus.connection import connect
    from portal_shared.bus.consumer import Consumer
    from portal_shared.db import Database

    db = Database(database_url)
    settings = bus_settings(namespace)
    connection = connect(settings)
    Consumer(name=CONSUMER, handlers={EVENT_TYPE: None}, db=db, settings=settings).declare(connection.channel())
    connection.close()
    ctx = mp.get_context("spawn")
    figures = {}

    # The writer alone, then the relay alone on what it wrote, then the consumer alone on the queue.
    start, end = write_events(db, count)
    figures["writer"] = count / (end - start)
    stop, started = ctx.Event(), ctx.Queue()
    with child(relay_process, database_url, namespace, stop, started, profile=profile, name="relay") as relay:
        begun = started.get(timeout=60)
        cpu = cpu_seconds(relay.pid)
        figures["relay"] = count / (wait_until_published(db.engine, time.time() + 600) - begun)
        figures["relay_cpu"] = cpu_seconds(relay.pid) - cpu
        stop.set()
    stop, results = ctx.Event(), ctx.Queue()
    with child(consumer_process, database_url, namespace, count, stop, results, profile=profile,
               name="consumer") as consumer:
        begun = results.get(timeout=60)
        cpu = cpu_seconds(consumer.pid)
        figures["consumer"] = count / (results.get(timeout=600) - begun)
        figures["consumer_cpu"] = cpu_seconds(consumer.pid) - cpu
        stop.set()

    # The round trip: both running, then the writer writes N new events.
    stop, started, results = ctx.Event(), ctx.Queue(), ctx.Queue()
    with (child(relay_process, database_url, namespace, stop, started) as relay,
          child(consumer_process, database_url, namespace, count, stop, results) as consumer):
        started.get(timeout=60)
        results.get(timeout=60)
        go, written = ctx.Event(), ctx.Queue()
        shares = [count // WRITERS + (1 if n < count % WRITERS else 0) for n in range(WRITERS)]
        writers = [ctx.Process(target=writer_process, args=(database_url, share, go, written), daemon=True)
                   for share in shares]
        for writer in writers:
            writer.start()
        for _ in writers:
            written.get(timeout=60)
        time.sleep(1.0)  # relay and consumer connected and idle
        cpu = cpu_seconds(relay.pid) + cpu_seconds(consumer.pid)
        go.set()
        times = [written.get(timeout=600) for _ in writers]
        start = min(t[0] for t in times)
        figures["writers_under_load"] = count / (max(t[1] for t in times) - start)
        figures["round_trip"] = count / (results.get(timeout=600) - start)
        figures["round_trip_cpu"] = cpu_seconds(relay.pid) + cpu_seconds(consumer.pid) - cpu
        stop.set()
        for writer in writers:
            writer.join(timeout=30)
    db.dispose()
    return figures


@contextmanager
def throwaway(namespace: str):
    from portal_shared.bus.outbox import define_bus_tables
    from portal_shared.db import drop_database, ensure_database_exists
    from portal_testkit.testing import delete_bus_namespace

    url = f"{POSTGRES}/portalbench_bus_{uuid.uuid4().hex[:8]}"
    ensure_database_exists(url)
    engine = sa.create_engine(url)
    metadata = sa.MetaData()
    define_bus_tables(metadata)
    metadata.create_all(engine)
    engine.dispose()
    try:
        yield url
    finally:
        drop_database(url)
        delete_bus_namespace(bus_settings(namespace))


def run(events: int = 20_000, profile: Path | None = None) -> list[Row]:
    namespace = f"bench-bus-{uuid.uuid4().hex[:8]}"
    settings = bus_settings(namespace)
    body = json.dumps(event(0).to_dict()).encode()  # the same bytes the relay would send
    if profile is not None:
        profile.mkdir(parents=True, exist_ok=True)
    with throwaway(namespace) as url:
        raw, raw_publish, raw_cpu = measure_raw(namespace, events, settings.prefetch, body, settings.quorum_queues)
        bus = measure_bus(url, namespace, events, profile)
    ceiling = (f"{raw:,.0f} events/s (raw pika, per-message confirms, publish → ack; "
               f"{per_thousand(raw_cpu, events)} in publisher + consumer)")
    queue = "quorum" if settings.quorum_queues else "classic"
    return [
        Row(f"bus round trip: outbox → relay → consumer, {events:,} events ({queue} queue)",
            f"{bus['round_trip']:,.0f} events/s ({per_thousand(bus['round_trip_cpu'], events)} in relay + consumer)",
            ceiling, TARGET),
        Row("relay alone (pending rows → confirmed)",
            f"{bus['relay']:,.0f} events/s ({per_thousand(bus['relay_cpu'], events)})",
            f"{raw_publish:,.0f} events/s (raw pika publisher, per-message confirms)"),
        Row("consumer alone (queue → inbox, committed, acked)",
            f"{bus['consumer']:,.0f} events/s ({per_thousand(bus['consumer_cpu'], events)})", ceiling),
        Row(f"writer: make_event + record_event, transactions of {WRITE_BATCH}, one process",
            f"{bus['writer']:,.0f} events/s"),
        Row(f"writers in the round trip: {WRITERS} processes", f"{bus['writers_under_load']:,.0f} events/s",
            "while relay and consumer run"),
    ]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--profile", type=Path, help="write py-spy flame graphs (relay.svg, consumer.svg) here")
    args = parser.parse_args()
    print_rows("The bus", run(args.events, args.profile))
