"""The one place that wires real adapters from the environment. Builds objects; connects nothing."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from portal_notifications import SERVICE
from portal_notifications.adapters.smtp import AbstractMailer, SmtpMailer, SmtpSettings
from portal_notifications.adapters.templates import EmailRenderer
from portal_notifications.domain.delivery import RetryPolicy
from portal_notifications.service_layer.handlers import DEFAULT_MAIL_FROM, EMAILS_CONSUMER, email_handlers
from portal_notifications.service_layer.sender import MailSender
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
    readiness_checks: dict = field(default_factory=dict)

    def emails_consumer(self) -> Consumer:
        handlers = email_handlers(mail_from=self.mail_from, renderer=self.renderer)
        return Consumer(name=EMAILS_CONSUMER, handlers=handlers, db=self.db, settings=self.settings.bus)

    def mail_sender(self) -> MailSender:
        return MailSender(self.db, self.mailer, policy=self.retry_policy,
                          poll_interval=env_float("MAIL_POLL_SECONDS", 0.5))


def retry_policy_from_env() -> RetryPolicy:
    default = RetryPolicy()
    return RetryPolicy(
        base_delay=timedelta(seconds=env_float("MAIL_RETRY_BASE_SECONDS", default.base_delay.total_seconds())),
        max_delay=timedelta(seconds=env_float("MAIL_RETRY_MAX_SECONDS", default.max_delay.total_seconds())),
        max_attempts=env_int("MAIL_MAX_ATTEMPTS", default.max_attempts),
    )


def bootstrap(settings: ServiceSettings | None = None, *, mailer: AbstractMailer | None = None) -> Bootstrap:
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
        readiness_checks=standard_checks(db, settings.bus),
    )
