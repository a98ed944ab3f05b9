"""`portal-requests migrate|worker|declare-topology`."""
from portal_requests import SERVICE
from portal_shared.access import access_consumer
from portal_shared.bus.relay import OutboxRelay
from portal_shared.bus.worker import run_worker
from portal_shared.cli import service_cli
from portal_shared.db import Database


def loops(settings):
    """The worker's loops: the outbox relay and the requests.access consumer (property_access_changed)."""
    db = Database(settings.database_url)
    return [("outbox-relay", OutboxRelay(db, settings.bus).run),
            ("consumer:access", access_consumer(SERVICE, db, settings.bus).run)]


def worker(settings) -> None:
    run_worker(SERVICE, loops(settings))


def consumers(settings):
    return [access_consumer(SERVICE, Database(settings.database_url), settings.bus)]


main = service_cli(service=SERVICE, package="portal_requests", worker=worker, consumers=consumers)
