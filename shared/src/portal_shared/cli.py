"""The command every service installs under its own name: `<service> migrate|worker|...`.

    portal-config migrate    # create the database if missing, migrate to head
    portal-config worker     # run the service's bus loops (relay, consumers)
    portal-config seed FILE  # services that seed demo data
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from portal_shared.config import ServiceSettings
from portal_shared.logging import configure_logging


def service_cli(*, service: str, package: str, worker: Callable[[ServiceSettings], None] | None = None,
                seed: Callable[[ServiceSettings, str], None] | None = None) -> Callable[[list[str] | None], int]:
    def main(argv: list[str] | None = None) -> int:
        parser = argparse.ArgumentParser(prog=service)
        sub = parser.add_subparsers(dest="command", required=True)
        sub.add_parser("migrate", help="create the database if missing and migrate it to head")
        if worker:
            sub.add_parser("worker", help="run the relay and consumers until stopped")
        if seed:
            seeder = sub.add_parser("seed", help="apply the demo data (idempotent)")
            seeder.add_argument("file")
        args = parser.parse_args(argv)
        settings = ServiceSettings.from_env(service)
        configure_logging(service, settings.log_level)
        if args.command == "migrate":
            from portal_shared.migrations import upgrade

            upgrade(package, settings.database_url)
            print(f"{service}: database migrated", file=sys.stderr)
        elif args.command == "worker":
            worker(settings)
        elif args.command == "seed":
            seed(settings, args.file)
        return 0

    return main
