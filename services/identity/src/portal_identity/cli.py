"""`portal-identity migrate|worker|declare-topology|seed`."""
from portal_identity import SERVICE
from portal_identity.bootstrap import bootstrap
from portal_identity.service_layer.invitation_batches import sender_loop
from portal_shared.bus.relay import OutboxRelay
from portal_shared.bus.worker import run_worker
from portal_shared.cli import service_cli


def worker(settings) -> None:
    wiring = bootstrap(settings)
    run_worker(SERVICE, [("outbox-relay", OutboxRelay(wiring.db, settings.bus).run),
                         ("consumer:branches", wiring.branches_consumer().run),
                         # Bulk invitations accepted by the API (invitation_batches), sent here.
                         ("invitation-sender", sender_loop(wiring.db))])


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


def seed(settings, path: str) -> None:
    from portal_identity.seed import seed_demo

    seed_demo(bootstrap(settings), path)


main = service_cli(service=SERVICE, package="portal_identity", worker=worker, consumers=consumers, seed=seed,
                   extra={"backfill-branches": backfill})
