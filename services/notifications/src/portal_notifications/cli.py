"""`portal-notifications migrate|worker|declare-topology`."""
from portal_notifications import SERVICE
from portal_notifications.bootstrap import bootstrap
from portal_shared.bus.worker import run_worker
from portal_shared.cli import service_cli
from portal_shared.config import env_int


def worker(settings) -> None:
    wiring = bootstrap(settings)
    # Each emails consumer loop has its own Consumer (its own connection and channels); the broker
    # hands them messages in turn and the inbox keeps each event to one email.
    emails = [(f"consumer:emails-{n + 1}", wiring.emails_consumer().run)
              for n in range(env_int("EMAIL_CONSUMER_THREADS", 2))]
    sender = wiring.mail_sender()
    webhooks = wiring.webhooks_consumer()
    webhook_sender = wiring.webhook_sender()
    run_worker(SERVICE, [*emails, *sender.loops(),
                         ("consumer:webhooks", webhooks.run), ("webhook-sender", webhook_sender.run)])


def consumers(settings):
    wiring = bootstrap(settings)
    return [wiring.emails_consumer(), wiring.webhooks_consumer()]


main = service_cli(service=SERVICE, package="portal_notifications", worker=worker, consumers=consumers)
