"""`portal-identity migrate|worker|declare-topology|seed`."""
from portal_identity import SERVICE
from portal_identity.bootstrap import bootstrap
from portal_shared.bus.relay import OutboxRelay
from portal_shared.bus.worker import run_worker
from portal_shared.cli import service_cli


def worker(settings) -> None:
    wiring = bootstrap(settings)
    run_worker(SERVICE, [("outbox-relay", OutboxRelay(wiring.db, settings.bus).run),
                         ("consumer:branches", wiring.branches_consumer().run)])


def consumers(settings):
    return [bootstrap(settings).branches_consumer()]


def backfill(settings) -> None:
    """Load branches from portal-config's snapshot into identity's read model (idempotent)."""
    from portal_identity.service_layer.backfill import backfill_branches
    from portal_shared.config import first_upstream

    url = first_upstream("portal-config", "http://127.0.0.1:8102")
    count = backfill_branches(bootstrap(settings).db, portal_config_url=url,
                              internal_secret=settings.internal_token_secret)
    print(f"identity: {count} branch(es) loaded from portal-config")


def republish_access(settings) -> None:
    """Publish every property's access list again, so each service's read model catches up."""
    from portal_identity.service_layer.directory import republish_access as republish

    with bootstrap(settings).db.unit_of_work() as session:
        count = republish(session)
    print(f"identity: access lists of {count} propert{'y' if count == 1 else 'ies'} published again")


def seed(settings, path: str) -> None:
    from portal_identity.seed import seed_demo

    seed_demo(bootstrap(settings), path)


main = service_cli(service=SERVICE, package="portal_identity", worker=worker, consumers=consumers, seed=seed,
                   extra={"backfill-branches": backfill, "republish-access": republish_access})
