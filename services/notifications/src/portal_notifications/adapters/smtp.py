"""The mail-sending port: `AbstractMailer`, with `SmtpMailer` (smtplib) and `FakeMailer` (tests).

A mailer raises `MailerUnavailable` when the server cannot take mail right now (down,
4xx, bad credentials or TLS setup: retry later, never give up) and `MailRejected` when it
refused this message for good (5xx).
"""
from __future__ import annotations

import abc
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, parseaddr

from portal_shared.config import env_bool, env_float, env_int, env_str

EVENT_ID_HEADER = "X-Portal-Event-ID"


class MailerUnavailable(Exception):
    """The server could not take the message now; it may later."""


class MailRejected(Exception):
    """The server refused this message permanently."""


@dataclass(frozen=True)
class OutgoingEmail:
    id: str
    event_id: str
    from_address: str
    to_address: str
    subject: str
    text_body: str
    html_body: str
    reply_to: str | None = None


def build_message(mail: OutgoingEmail) -> EmailMessage:
    """A multipart/alternative message: text first, HTML preferred by clients that show it."""
    message = EmailMessage()
    message["From"] = mail.from_address
    message["To"] = mail.to_address
    message["Subject"] = mail.subject
    if mail.reply_to:
        message["Reply-To"] = mail.reply_to
    message["Date"] = formatdate(usegmt=True)
    # Derived from our row id, not random: a resend after a crash carries the same Message-ID,
    # so receiving systems can tell it is the same email.
    message["Message-ID"] = f"<{mail.id}@{_domain_of(mail.from_address)}>"
    message[EVENT_ID_HEADER] = mail.event_id
    message.set_content(mail.text_body)
    message.add_alternative(mail.html_body, subtype="html")
    return message


def _domain_of(address: str) -> str:
    return parseaddr(address)[1].rpartition("@")[2] or "portal.localhost"


class AbstractMailer(abc.ABC):
    def send(self, mail: OutgoingEmail) -> None:
        self._deliver(build_message(mail))

    @abc.abstractmethod
    def _deliver(self, message: EmailMessage) -> None:
        raise NotImplementedError


@dataclass(frozen=True)
class SmtpSettings:
    host: str = "localhost"
    port: int = 1025
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout: float = 10.0

    @classmethod
    def from_env(cls) -> "SmtpSettings":
        return cls(
            host=env_str("SMTP_HOST", cls.host),
            port=env_int("SMTP_PORT", cls.port),
            username=env_str("SMTP_USERNAME", "") or None,
            password=env_str("SMTP_PASSWORD", "") or None,
            starttls=env_bool("SMTP_STARTTLS", cls.starttls),
            timeout=env_float("SMTP_TIMEOUT", cls.timeout),
        )


class SmtpMailer(AbstractMailer):
    """One SMTP connection per message: simple, and mail volume here is low."""

    def __init__(self, settings: SmtpSettings):
        self.settings = settings

    def _deliver(self, message: EmailMessage) -> None:
        s = self.settings
        try:
            smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        except (smtplib.SMTPException, OSError) as exc:
            raise MailerUnavailable(f"cannot connect to {s.host}:{s.port}: {exc!r}") from exc
        try:
            if s.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if s.username:
                smtp.login(s.username, s.password or "")
            smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            error = MailRejected if all(code >= 500 for code in codes) else MailerUnavailable
            raise error(f"recipients refused: {exc.recipients!r}") from exc
        except (smtplib.SMTPAuthenticationError, smtplib.SMTPHeloError, smtplib.SMTPNotSupportedError) as exc:
            # Our configuration or the server's state, not this message: keep it for later.
            raise MailerUnavailable(repr(exc)) from exc
        except smtplib.SMTPResponseException as exc:
            error = MailRejected if exc.smtp_code >= 500 else MailerUnavailable
            raise error(f"{exc.smtp_code} {exc.smtp_error!r}") from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise MailerUnavailable(repr(exc)) from exc
        finally:
            _quit_quietly(smtp)


def _quit_quietly(smtp: smtplib.SMTP) -> None:
    # Once the server accepted DATA the mail is sent; a failing QUIT must not make us resend it.
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()


class FakeMailer(AbstractMailer):
    """Keeps messages in `sent`; raises the given `failures` first, one per send."""

    def __init__(self, *failures: Exception):
        self.failures = list(failures)
        self.sent: list[EmailMessage] = []

    def _deliver(self, message: EmailMessage) -> None:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(message)
