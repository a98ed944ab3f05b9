"""`portal-notifications migrate|worker|declare-topology`."""
from portal_notifications import SERVICE
from portal_notifications.bootstrap import bootstrap
from portal_shared.bus.worker import run_worker
from portal_shared.cli import service_cli


def worker(settings) -> None:
    wiring = bootstrap(settings)
    consumer = wiring.emails_consumer()
    sender = wiring.mail_sender()
    webhooks = wiring.webhooks_consumer()
    webhook_sender = wiring.webhook_sender()
    run_worker(SERVICE, [("consumer:emails", consumer.run), *sender.loops(),
                         ("consumer:webhooks", webhooks.run), ("webhook-sender", webhook_sender.run)])


def consumers(settings):
    wiring = bootstrap(settings)
    return [wiring.emails_consumer(), wiring.webhooks_consumer()]


main = service_cli(service=SERVICE, package="portal_notifications", worker=worker, consumers=consumers)
