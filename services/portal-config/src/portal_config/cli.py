"""`portal-config migrate|worker|declare-topology|seed`."""
from portal_config import SERVICE
from portal_config.bootstrap import bootstrap
from portal_shared.bus.relay import OutboxRelay
from portal_shared.bus.worker import run_worker
from portal_shared.cli import service_cli


def worker(settings) -> None:
    wiring = bootstrap(settings)
    run_worker(SERVICE, [("outbox-relay", OutboxRelay(wiring.db, settings.bus).run),
                         ("consumer:staff", wiring.staff_consumer().run)])


def consumers(settings):
    return [bootstrap(settings).staff_consumer()]


def seed(settings, path: str) -> None:
    from portal_config.seed import seed_demo

    seed_demo(bootstrap(settings), path)


main = service_cli(service=SERVICE, package="portal_config", worker=worker, consumers=consumers, seed=seed)
