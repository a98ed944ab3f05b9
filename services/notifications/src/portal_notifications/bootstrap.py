"""The one place that wires real adapters from the environment. Builds objects; connects nothing."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from portal_notifications import SERVICE
from portal_notifications.adapters.smtp import AbstractMailer, SmtpMailer, SmtpSettings
from portal_notifications.adapters.templates import EmailRenderer
from portal_notifications.adapters.webhook_http import HttpTransport, Resolver, system_resolver
from portal_notifications.adapters.webhook_secrets import SecretBox
from portal_notifications.domain.delivery import RetryPolicy
from portal_notifications.domain.webhooks import DEFAULT_DELAYS_SECONDS, RetrySchedule
from portal_notifications.service_layer.handlers import DEFAULT_MAIL_FROM, EMAILS_CONSUMER, email_handlers
from portal_notifications.service_layer.sender import MailSender
from portal_notifications.service_layer.webhook_endpoints import UrlPolicy
from portal_notifications.service_layer.webhook_fanout import WEBHOOKS_CONSUMER, webhook_handlers
from portal_notifications.service_layer.webhook_sender import WebhookSender
from portal_shared.bus.consumer import Consumer
from portal_shared.config import ServiceSettings, env_float, env_int, env_str, operator_token_from_env
from portal_shared.db import Database
from portal_shared.web.health import standard_checks


@dataclass
class Bootstrap:
    settings: ServiceSettings
    db: Database
    mailer: AbstractMailer
    renderer: EmailRenderer
    mail_from: str
    retry_policy: RetryPolicy
    operator_token: str | None
    # webhooks: secrets at rest, which URLs are accepted, how they are sent and retried
    secret_box: SecretBox
    url_policy: UrlPolicy
    webhook_transport: HttpTransport
    webhook_schedule: RetrySchedule
    readiness_checks: dict = field(default_factory=dict)

    def emails_consumer(self) -> Consumer:
        handlers = email_handlers(mail_from=self.mail_from, renderer=self.renderer)
        return Consumer(name=EMAILS_CONSUMER, handlers=handlers, db=self.db, settings=self.settings.bus)

    def mail_sender(self) -> MailSender:
        return MailSender(self.db, self.mailer, policy=self.retry_policy,
                          poll_interval=env_float("MAIL_POLL_SECONDS", 0.5),
                          threads=env_int("MAIL_SEND_THREADS", 4), batch_size=env_int("MAIL_BATCH_SIZE", 20))

    def webhooks_consumer(self) -> Consumer:
        return Consumer(name=WEBHOOKS_CONSUMER, handlers=webhook_handlers(), db=self.db, settings=self.settings.bus)

    def webhook_sender(self) -> WebhookSender:
        return WebhookSender(self.db, self.webhook_transport, self.secret_box, schedule=self.webhook_schedule,
                             mail_from=self.mail_from, renderer=self.renderer,
                             concurrency=env_int("WEBHOOK_SEND_CONCURRENCY", 8),
                             poll_interval=env_float("WEBHOOK_POLL_SECONDS", 0.5))


def retry_policy_from_env() -> RetryPolicy:
    default = RetryPolicy()
    return RetryPolicy(
        base_delay=timedelta(seconds=env_float("MAIL_RETRY_BASE_SECONDS", default.base_delay.total_seconds())),
        max_delay=timedelta(seconds=env_float("MAIL_RETRY_MAX_SECONDS", default.max_delay.total_seconds())),
        max_attempts=env_int("MAIL_MAX_ATTEMPTS", default.max_attempts),
    )


def webhook_schedule_from_env() -> RetrySchedule:
    """WEBHOOK_RETRY_SCHEDULE_SECONDS: the waits between tries, e.g. `5,300,1800,7200,18000,36000,36000`."""
    raw = env_str("WEBHOOK_RETRY_SCHEDULE_SECONDS", "")
    seconds = [float(part) for part in raw.split(",") if part.strip()] if raw else list(DEFAULT_DELAYS_SECONDS)
    return RetrySchedule.of_seconds(seconds)


def bootstrap(settings: ServiceSettings | None = None, *, mailer: AbstractMailer | None = None,
              resolve: Resolver = system_resolver) -> Bootstrap:
    settings = settings or ServiceSettings.from_env(SERVICE)
    db = Database(settings.database_url)
    return Bootstrap(
        settings=settings,
        db=db,
        mailer=mailer or SmtpMailer(SmtpSettings.from_env()),
        renderer=EmailRenderer(),
        mail_from=env_str("MAIL_FROM", DEFAULT_MAIL_FROM),
        retry_policy=retry_policy_from_env(),
        operator_token=operator_token_from_env(settings.dev_mode),
        secret_box=SecretBox.from_env(dev_mode=settings.dev_mode),
        url_policy=UrlPolicy(dev_mode=settings.dev_mode, resolve=resolve),
        webhook_transport=HttpTransport(dev_mode=settings.dev_mode, resolve=resolve,
                                        connect_timeout=env_float("WEBHOOK_CONNECT_TIMEOUT", 3.0),
                                        read_timeout=env_float("WEBHOOK_READ_TIMEOUT", 10.0)),
        webhook_schedule=webhook_schedule_from_env(),
        readiness_checks=standard_checks(db, settings.bus),
    )
