"""The mail-sending port: `AbstractMailer`, with `SmtpMailer` (smtplib) and `FakeMailer` (tests).

A mailer raises `MailerUnavailable` when the server cannot take mail right now (down,
4xx, bad credentials or TLS setup: retry later, never give up) and `MailRejected` when it
refused this message for good (5xx).
"""
from __future__ import annotations

import abc
import email.charset
import smtplib
import ssl
import threading
import time
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.header import Header
from email.message import EmailMessage, Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr, formatdate, parseaddr

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


def build_message(mail: OutgoingEmail) -> Message:
    """A multipart/alternative message: text first, HTML preferred by clients that show it.

    Built with the compat32 classes (email.mime) and headers encoded here: about four times less CPU
    than EmailMessage, whose header objects parse every value again (it was the sender's largest cost).
    Receivers, and FakeMailer, read it with the modern parser.
    """
    message = MIMEMultipart("alternative")
    message["From"] = _mailbox_header(mail.from_address)
    message["To"] = _mailbox_header(mail.to_address)
    message["Subject"] = _text_header(mail.subject)
    if mail.reply_to:
        message["Reply-To"] = _mailbox_header(mail.reply_to)
    message["Date"] = formatdate(usegmt=True)
    # Derived from our row id, not random: a resend after a crash carries the same Message-ID,
    # so receiving systems can tell it is the same email.
    message["Message-ID"] = f"<{mail.id}@{_domain_of(mail.from_address)}>"
    message[EVENT_ID_HEADER] = mail.event_id
    message.attach(MIMEText(mail.text_body, "plain", _UTF8_QP))
    message.attach(MIMEText(mail.html_body, "html", _UTF8_QP))
    return message


_UTF8_QP = email.charset.Charset("utf-8")
_UTF8_QP.body_encoding = email.charset.QP  # readable in a raw view, unlike base64


def _mailbox_header(value: str) -> str:
    """`Name <address>` with the name quoted or RFC 2047-encoded as needed (the address must be ASCII)."""
    name, address = parseaddr(_one_line(value))
    if not address:
        raise ValueError(f"not an email address: {value!r}")
    return formataddr((name, address), charset="utf-8")


def _text_header(value: str) -> str | Header:
    value = _one_line(value)
    return value if value.isascii() else Header(value, "utf-8")


def _one_line(value: str) -> str:
    # Refused like EmailMessage refuses it: a line break in a header would inject headers of its own.
    if "\r" in value or "\n" in value:
        raise ValueError(f"a header value has a line break: {value!r}")
    return value


def _domain_of(address: str) -> str:
    return parseaddr(address)[1].rpartition("@")[2] or "portal.localhost"


class AbstractMailer(abc.ABC):
    def send(self, mail: OutgoingEmail) -> None:
        self._deliver(build_message(mail))

    @abc.abstractmethod
    def _deliver(self, message: Message) -> None:
        raise NotImplementedError

    def close_if_idle(self) -> None:
        """Let go of this thread's connection if it has waited too long (the sender calls it when idle)."""

    def close(self) -> None:
        """Let go of this thread's connection (the sender calls it when it stops)."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str = "localhost"
    port: int = 1025
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout: float = 10.0
    # A kept connection idle longer than this is closed (servers drop idle clients, e.g. after 60 s).
    max_idle: float = 30.0
    # Reconnect after this many messages: some servers limit messages per connection.
    max_messages_per_connection: int = 100

    @classmethod
    def from_env(cls) -> "SmtpSettings":
        return cls(
            host=env_str("SMTP_HOST", cls.host),
            port=env_int("SMTP_PORT", cls.port),
            username=env_str("SMTP_USERNAME", "") or None,
            password=env_str("SMTP_PASSWORD", "") or None,
            starttls=env_bool("SMTP_STARTTLS", cls.starttls),
            timeout=env_float("SMTP_TIMEOUT", cls.timeout),
            max_idle=env_float("SMTP_MAX_IDLE_SECONDS", cls.max_idle),
            max_messages_per_connection=env_int("SMTP_MAX_MESSAGES_PER_CONNECTION", cls.max_messages_per_connection),
        )


@dataclass
class _Connection:
    smtp: smtplib.SMTP
    last_used: float
    sent: int = 0


class _Stale(Exception):
    """A kept connection turned out to be closed (by the server, or smtplib after a 421)."""


class SmtpMailer(AbstractMailer):
    """Keeps an SMTP connection open across messages, one per sending thread.

    Opening one costs the greeting, EHLO and any STARTTLS and AUTH: several round trips, more than
    the message itself. A kept connection the server has closed meanwhile (idle timeout, restart, a
    421) is noticed on the next send, which is then tried once more on a new connection; only that
    new connection's failure is reported, classified as for any connection. Between messages the
    server's state needs no RSET: a completed transaction resets it, and smtplib sends RSET itself
    after a refused sender, recipient or DATA.
    """

    def __init__(self, settings: SmtpSettings):
        self.settings = settings
        self._local = threading.local()

    def _deliver(self, message: Message) -> None:
        kept = self._kept()
        if kept is not None:
            try:
                self._send_on(kept, message)
                return
            except _Stale:
                self.close()  # and send it on a new connection below
        connection = self._connect()
        try:
            self._send_on(connection, message)
        except _Stale as exc:
            self.close()
            raise MailerUnavailable(str(exc)) from exc.__cause__

    def close_if_idle(self) -> None:
        kept = getattr(self._local, "connection", None)
        if kept is not None and time.monotonic() - kept.last_used > self.settings.max_idle:
            self.close()

    def close(self) -> None:
        kept = getattr(self._local, "connection", None)
        self._local.connection = None
        if kept is not None:
            _quit_quietly(kept.smtp)

    def _kept(self) -> _Connection | None:
        """This thread's open connection, unless it is due to be replaced."""
        kept = getattr(self._local, "connection", None)
        if kept is None:
            return None
        if (kept.smtp.sock is None or time.monotonic() - kept.last_used > self.settings.max_idle
                or kept.sent >= self.settings.max_messages_per_connection):
            self.close()
            return None
        return kept

    def _connect(self) -> _Connection:
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
        except (smtplib.SMTPException, OSError) as exc:
            _quit_quietly(smtp)
            raise _classified(exc)(_describe(exc)) from exc
        connection = _Connection(smtp, last_used=time.monotonic())
        self._local.connection = connection
        return connection

    def _send_on(self, connection: _Connection, message: Message) -> None:
        """Send on `connection`; `_Stale` when it was found closed, the classified error otherwise."""
        try:
            connection.smtp.send_message(message)
        except smtplib.SMTPException as exc:  # before OSError, its base class
            if isinstance(exc, smtplib.SMTPServerDisconnected) or connection.smtp.sock is None:
                raise _Stale(repr(exc)) from exc  # closed: by the server, or by smtplib after a 421
            error = _classified(exc)
            if error is not MailRejected:
                self.close()  # not this message's fault: the next one starts on a new connection
            raise error(_describe(exc)) from exc
        except OSError as exc:  # reset, broken pipe, timeout
            raise _Stale(repr(exc)) from exc
        except BaseException:
            self.close()  # in an unknown state: never reused
            raise
        connection.last_used = time.monotonic()
        connection.sent += 1


def _classified(exc: BaseException) -> type[Exception]:
    """MailRejected for a permanent (5xx) refusal of this message; MailerUnavailable for the rest."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        return MailRejected if all(code >= 500 for code in codes) else MailerUnavailable
    if isinstance(exc, smtplib.SMTPAuthenticationError | smtplib.SMTPHeloError | smtplib.SMTPNotSupportedError):
        # Our configuration or the server's state, not this message: keep it for later.
        return MailerUnavailable
    if isinstance(exc, smtplib.SMTPResponseException):
        return MailRejected if exc.smtp_code >= 500 else MailerUnavailable
    return MailerUnavailable


def _describe(exc: smtplib.SMTPException) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return f"recipients refused: {exc.recipients!r}"
    if isinstance(exc, smtplib.SMTPResponseException) and not isinstance(
            exc, smtplib.SMTPAuthenticationError | smtplib.SMTPHeloError | smtplib.SMTPNotSupportedError):
        return f"{exc.smtp_code} {exc.smtp_error!r}"
    return repr(exc)


def _quit_quietly(smtp: smtplib.SMTP) -> None:
    # Once the server accepted DATA the mail is sent; a failing QUIT must not make us resend it.
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()


class FakeMailer(AbstractMailer):
    """Keeps messages in `sent` as a receiver reads them; raises the given `failures` first, one per send."""

    def __init__(self, *failures: Exception):
        self.failures = list(failures)
        self.sent: list[EmailMessage] = []

    def _deliver(self, message: Message) -> None:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(message_from_bytes(message.as_bytes(), policy=policy.default))
