"""`portal-identity migrate|worker|declare-topology|seed|backfill-branches|republish-access|republish-directory|sync-api-keys`."""
from portal_identity import SERVICE
from portal_identity.bootstrap import bootstrap
from portal_identity.service_layer import api_keys
from portal_identity.service_layer.invitation_batches import sender_loop
from portal_shared.bus.relay import OutboxRelay
from portal_shared.bus.worker import run_worker
from portal_shared.cli import service_cli
from portal_shared.config import env_int
from portal_shared.logging import get_logger

log = get_logger(__name__)


API_KEY_SYNC_SECONDS = 300


def api_key_sync_loop(wiring, every: float = API_KEY_SYNC_SECONDS):
    """The worker's `api-key-sync` loop: publish every live key to Redis now and every few minutes, so a
    Redis that was flushed or replaced (or evicted a key) opens the integration API again by itself."""
    def run(stop) -> None:
        while not stop.is_set():
            try:
                published, withdrawn = api_keys.sync_published_keys(wiring.db, wiring.api_keys)
                log.info("api_keys_synced", published=published, withdrawn=withdrawn)
            except Exception as exc:  # noqa: BLE001 - Redis or the database is away: try again next round
                log.error("api_keys_sync_failed", error=f"{type(exc).__name__}: {exc}"[:300])
            stop.wait(every)
    return run


def worker(settings) -> None:
    wiring = bootstrap(settings)
    run_worker(SERVICE, [("outbox-relay", OutboxRelay(wiring.db, settings.bus).run),
                         ("consumer:branches", wiring.branches_consumer().run),
                         # Bulk invitations accepted by the API (invitation_batches), sent here: each loop
                         # takes another batch (SKIP LOCKED), so several batches go out side by side.
                         *[(f"invitation-sender-{n + 1}", sender_loop(wiring.db))
                           for n in range(env_int("INVITATION_SEND_THREADS", 2))],
                         ("api-key-sync", api_key_sync_loop(wiring))])


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


def republish_directory(settings) -> None:
    """Publish every contact, property and staff user again, so a read model newer than them (billing's, visits's) catches up."""
    from portal_identity.service_layer.directory import republish_directory as republish

    with bootstrap(settings).db.unit_of_work() as session:
        contacts, properties = republish(session)
    print(f"identity: {contacts} contact(s) and {properties} propert{'y' if properties == 1 else 'ies'} published again")


def sync_api_keys(settings) -> None:
    """Publish every live API key to Redis and withdraw revoked ones (run after Redis lost its data)."""
    wiring = bootstrap(settings)
    published, withdrawn = api_keys.sync_published_keys(wiring.db, wiring.api_keys)
    print(f"identity: {published} live API key(s) published, {withdrawn} revoked key(s) withdrawn")


def seed(settings, path: str) -> None:
    from portal_identity.seed import seed_demo

    seed_demo(bootstrap(settings), path)


main = service_cli(service=SERVICE, package="portal_identity", worker=worker, consumers=consumers, seed=seed,
                   extra={"backfill-branches": backfill, "republish-access": republish_access,
                          "republish-directory": republish_directory, "sync-api-keys": sync_api_keys})
