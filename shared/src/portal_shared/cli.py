"""The command every service installs under its own name: `<service> migrate|worker|...`.

    portal-config migrate    # create the database if missing, migrate to head (+ declare queues)
    portal-config worker     # run the service's bus loops (relay, consumers)
    portal-notifications declare-topology   # exchanges + the consumers' queues, before any event flows
    portal-config seed FILE  # services that seed demo data
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from portal_shared.config import ServiceSettings
from portal_shared.logging import configure_logging


def service_cli(*, service: str, package: str, worker: Callable[[ServiceSettings], None] | None = None,
                consumers: Callable[[ServiceSettings], list] | None = None,
                seed: Callable[[ServiceSettings, str], None] | None = None,
                extra: dict[str, Callable[[ServiceSettings], None]] | None = None) -> Callable[[list[str] | None], int]:
    def main(argv: list[str] | None = None) -> int:
        parser = argparse.ArgumentParser(prog=service)
        sub = parser.add_subparsers(dest="command", required=True)
        sub.add_parser("migrate", help="create the database if missing and migrate it to head")
        if worker:
            sub.add_parser("worker", help="run the relay and consumers until stopped")
            sub.add_parser("declare-topology", help="declare the exchanges and this service's queues")
        if seed:
            seeder = sub.add_parser("seed", help="apply the demo data (idempotent)")
            seeder.add_argument("file")
        for name, command in (extra or {}).items():
            sub.add_parser(name, help=(command.__doc__ or "").strip().split("\n")[0])
        args = parser.parse_args(argv)
        settings = ServiceSettings.from_env(service)
        configure_logging(service, settings.log_level)
        if args.command == "migrate":
            from portal_shared.migrations import upgrade

            upgrade(package, settings.database_url)
            print(f"{service}: database migrated", file=sys.stderr)
            if consumers:
                # The consumers' queues are as much this service's durable state as its tables.
                declare_topology(settings, consumers(settings))
                print(f"{service}: topology declared", file=sys.stderr)
        elif args.command == "worker":
            worker(settings)
        elif args.command == "declare-topology":
            declare_topology(settings, consumers(settings) if consumers else [])
            print(f"{service}: topology declared", file=sys.stderr)
        elif args.command == "seed":
            seed(settings, args.file)
        else:
            extra[args.command](settings)
        return 0

    return main


def declare_topology(settings: ServiceSettings, consumers: list) -> None:
    """Declare before the first event is published, so no event finds its consumer's queue missing."""
    from portal_shared.bus.connection import connect
    from portal_shared.bus.topology import Names, declare_exchanges

    connection = connect(settings.bus)
    try:
        channel = connection.channel()
        declare_exchanges(channel, Names(settings.bus.namespace))
        for consumer in consumers:
            consumer.declare(channel)
    finally:
        connection.close()
