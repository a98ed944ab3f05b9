"""Message store and MIME parsing.

This module owns what a received message *is*: ``parse_message`` turns raw
RFC 5322 bytes into a ``Message`` (decoded headers, text and HTML bodies,
attachment metadata), and ``MessageStore`` keeps a bounded, thread-safe,
in-memory list of them. It knows nothing about SMTP or HTTP.

Receiving only reads the headers it logs (Message-ID, Subject); the full parse
runs when a message is first read over HTTP. Parsing every message as it
arrives made the sink's single SMTP thread the slowest step of a bulk send.
"""

from __future__ import annotations

import email
import email.header
import email.parser
import email.policy
import email.utils
import html as html_lib
import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.message import EmailMessage

DEFAULT_MAX_MESSAGES = 1000
SNIPPET_LENGTH = 250  # Mailpit's snippet length


@dataclass(frozen=True)
class Address:
    name: str
    address: str


@dataclass(frozen=True)
class Part:
    """Metadata of an attachment or inline part (the bytes stay in ``raw``)."""

    part_id: str
    filename: str
    content_type: str
    content_id: str
    size: int


@dataclass
class Message:
    id: str
    raw: bytes
    created: datetime
    message_id: str
    sender: Address  # Name/Address both "" when there is no From header
    to: list[Address]
    cc: list[Address]
    bcc: list[Address]
    reply_to: list[Address]
    return_path: str
    subject: str
    date: datetime | None
    text: str
    html: str
    snippet: str
    attachments: list[Part] = field(default_factory=list)
    inline: list[Part] = field(default_factory=list)
    read: bool = False

    @property
    def size(self) -> int:
        return len(self.raw)

    def part(self, part_id: str) -> EmailMessage | None:
        """Re-parse the raw message and return one leaf part by its ID."""
        for pid, leaf in _leaf_parts(_parse_bytes(self.raw)):
            if pid == part_id:
                return leaf
        return None


def new_id() -> str:
    # 22 URL-safe characters, like Mailpit's short IDs; never "latest".
    return secrets.token_urlsafe(16)


def parse_message(
    raw: bytes,
    *,
    mail_from: str = "",
    rcpt_tos: Iterable[str] = (),
    created: datetime | None = None,
    id: str | None = None,
) -> Message:
    """Parse raw bytes into a ``Message``. Never raises on malformed mail:
    a dev sink must keep whatever the application sent."""
    msg = _parse_bytes(raw)
    rcpt_tos = list(rcpt_tos)

    to = _addresses(msg, "To")
    cc = _addresses(msg, "Cc")
    bcc = _addresses(msg, "Bcc")
    # Like Mailpit: envelope recipients absent from To/Cc/Bcc were Bcc'd.
    seen = {a.address.lower() for a in (*to, *cc, *bcc)}
    bcc += [Address("", r) for r in rcpt_tos if r.lower() not in seen]

    senders = _addresses(msg, "From")
    sender = senders[0] if senders else Address(_header(msg, "From"), "")

    # Mailpit overwrites Return-Path with the SMTP envelope sender.
    return_path = mail_from or _header(msg, "Return-Path").strip().strip("<>") or sender.address

    message_id = _header(msg, "Message-ID").strip().strip("<>")
    if not message_id:
        message_id, raw = _with_message_id(raw)

    text_part = _body(msg, "plain")
    html_part = _body(msg, "html")
    text = _text_content(text_part) if text_part is not None else ""
    html = _text_content(html_part) if html_part is not None else ""

    attachments, inline = _classify_parts(msg, skip=(text_part, html_part))

    return Message(
        id=id or new_id(),
        raw=raw,
        created=created or datetime.now(timezone.utc),
        message_id=message_id,
        sender=sender,
        to=to,
        cc=cc,
        bcc=bcc,
        reply_to=_addresses(msg, "Reply-To"),
        return_path=return_path,
        subject=_header(msg, "Subject"),
        date=_date(msg),
        text=text,
        html=html,
        snippet=make_snippet(text, html),
        attachments=attachments,
        inline=inline,
    )


def rfc3339(value: datetime) -> str:
    """Timestamp as Mailpit (Go) renders it in JSON, e.g. 2024-05-01T10:11:12.345Z."""
    text = value.isoformat(timespec="milliseconds")
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def make_snippet(text: str, html: str) -> str:
    source = text or _strip_tags(html)
    snippet = " ".join(source.split())
    if len(snippet) > SNIPPET_LENGTH:
        snippet = snippet[:SNIPPET_LENGTH].rstrip() + "..."
    return snippet


@dataclass(frozen=True)
class Received:
    """What receiving a message tells at once, without parsing its body."""

    id: str
    created: datetime
    message_id: str
    subject: str
    size: int


@dataclass
class _Entry:
    received: Received
    raw: bytes
    mail_from: str
    rcpt_tos: list[str]
    read: bool = False
    parsed: Message | None = None


def receive(raw: bytes, *, mail_from: str = "", rcpt_tos: Iterable[str] = ()) -> _Entry:
    """Read only the Message-ID (added when missing, as parse_message would) and the Subject."""
    headers = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(raw)
    message_id = str(headers.get("Message-ID", "")).strip().strip("<>")
    if not message_id:
        message_id, raw = _with_message_id(raw)
    received = Received(id=new_id(), created=datetime.now(timezone.utc), message_id=message_id,
                        subject=_decoded(headers.get("Subject", "")), size=len(raw))
    return _Entry(received, raw, mail_from, list(rcpt_tos))


class MessageStore:
    """Bounded in-memory store. SMTP writes from its asyncio thread while HTTP
    reads from request threads, so every access goes through one lock."""

    def __init__(self, max_messages: int = DEFAULT_MAX_MESSAGES) -> None:
        if max_messages < 1:
            raise ValueError("max_messages must be at least 1")
        self.max_messages = max_messages
        self._lock = threading.Lock()
        self._entries: OrderedDict[str, _Entry] = OrderedDict()  # oldest first

    def add(self, raw: bytes, mail_from: str = "", rcpt_tos: Iterable[str] = ()) -> Received:
        entry = receive(raw, mail_from=mail_from, rcpt_tos=rcpt_tos)
        with self._lock:
            self._entries[entry.received.id] = entry
            while len(self._entries) > self.max_messages:
                self._entries.popitem(last=False)
        return entry.received

    def get(self, message_id: str) -> Message | None:
        with self._lock:
            entry = self._entries.get(message_id)
        return None if entry is None else _parsed(entry)

    def latest(self) -> Message | None:
        with self._lock:
            entry = next(reversed(self._entries.values()), None)
        return None if entry is None else _parsed(entry)

    def mark_read(self, message_id: str) -> None:
        with self._lock:
            if message_id in self._entries:
                self._entries[message_id].read = True

    def page(self, start: int = 0, limit: int = 50) -> tuple[int, int, list[Message]]:
        """Return ``(total, unread, messages)`` with messages newest first."""
        with self._lock:
            newest_first = list(reversed(self._entries.values()))
        unread = sum(1 for e in newest_first if not e.read)
        return len(newest_first), unread, [_parsed(e) for e in newest_first[start : start + limit]]

    def delete_all(self) -> int:
        with self._lock:
            count = len(self._entries)
            self._entries.clear()
        return count

    def delete(self, message_ids: Iterable[str]) -> int:
        with self._lock:
            return sum(self._entries.pop(i, None) is not None for i in set(message_ids))

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)


def _parsed(entry: _Entry) -> Message:
    """The entry's full parse, made on first use and kept (outside the lock: two readers may both parse)."""
    message = entry.parsed
    if message is None:
        r = entry.received
        message = parse_message(entry.raw, mail_from=entry.mail_from, rcpt_tos=entry.rcpt_tos,
                                created=r.created, id=r.id)
        entry.parsed = message
    message.read = entry.read
    return message


# --- parsing helpers -------------------------------------------------------


def _with_message_id(raw: bytes) -> tuple[str, bytes]:
    # Like Mailpit: give every message a Message-ID, visible in the raw source too.
    message_id = f"{new_id()}@mailsink"
    eol = b"\r\n" if b"\r\n" in raw else b"\n"
    return message_id, f"Message-ID: <{message_id}>".encode("ascii") + eol + raw


def _decoded(value) -> str:
    """A raw header value with its encoded words decoded, unfolded; never raises."""
    try:
        text = str(email.header.make_header(email.header.decode_header(str(value))))
    except Exception:
        text = str(value)
    return " ".join(text.split())


def _parse_bytes(raw: bytes) -> EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)


def _header(msg: EmailMessage, name: str) -> str:
    """Decoded header value, or "" if absent."""
    try:
        value = msg[name]
        return "" if value is None else str(value)
    except Exception:
        # The modern header parser can trip over garbage; fall back to the
        # raw value decoded the old way rather than losing the message.
        for key, value in msg.raw_items():
            if key.lower() == name.lower():
                try:
                    return str(email.header.make_header(email.header.decode_header(value)))
                except Exception:
                    return value
        return ""


def _addresses(msg: EmailMessage, name: str) -> list[Address]:
    result: list[Address] = []
    try:
        for header in msg.get_all(name, []):
            result += [Address(a.display_name, a.addr_spec) for a in header.addresses]
    except Exception:
        values = [v for k, v in msg.raw_items() if k.lower() == name.lower()]
        result = [Address(n, a) for n, a in email.utils.getaddresses(values) if a]
    return [a for a in result if a.address or a.name]


def _date(msg: EmailMessage) -> datetime | None:
    try:
        header = msg["Date"]
        value = header.datetime if header is not None else None
    except Exception:
        return None
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)  # "-0000" means UTC, origin unknown
    return value


def _body(msg: EmailMessage, subtype: str) -> EmailMessage | None:
    # get_body() skips attachments and walks multipart/alternative and /related.
    try:
        return msg.get_body(preferencelist=(subtype,))
    except Exception:
        return None


def _text_content(part: EmailMessage) -> str:
    try:
        return part.get_content()
    except Exception:  # unknown charset or broken transfer encoding
        payload = part.get_payload(decode=True) or b""
        return payload.decode("utf-8", errors="replace")


def _leaf_parts(part: EmailMessage, part_id: str = "") -> Iterator[tuple[str, EmailMessage]]:
    """Yield ``(part_id, part)`` for every non-multipart part, numbered like
    IMAP/Mailpit ("1", "1.2", ...). Attached message/rfc822 count as leaves."""
    if part.get_content_maintype() == "multipart":
        for index, sub in enumerate(part.iter_parts(), start=1):
            yield from _leaf_parts(sub, f"{part_id}.{index}" if part_id else str(index))
    else:
        yield part_id or "1", part


def _classify_parts(
    msg: EmailMessage, skip: tuple[EmailMessage | None, ...]
) -> tuple[list[Part], list[Part]]:
    attachments: list[Part] = []
    inline: list[Part] = []
    for part_id, part in _leaf_parts(msg):
        if any(part is s for s in skip):
            continue
        disposition = part.get_content_disposition()
        filename = part.get_filename() or ""
        content_id = str(part.get("Content-ID", "")).strip().strip("<>")
        if not filename and not content_id:
            continue  # Mailpit lists only parts that can be named
        info = Part(part_id, filename or content_id, part.get_content_type(), content_id, _part_size(part))
        if disposition == "inline" or (disposition is None and content_id):
            inline.append(info)
        else:
            attachments.append(info)
    return attachments, inline


def _part_size(part: EmailMessage) -> int:
    payload = part.get_payload(decode=True)
    if isinstance(payload, bytes):
        return len(payload)
    try:
        return len(part.as_bytes())  # e.g. message/rfc822, whose payload is a Message
    except Exception:
        return 0


_SCRIPT_STYLE = re.compile(r"(?is)<(script|style|head)\b.*?</\1\s*>")
_TAG = re.compile(r"(?s)<[^>]*>")


def _strip_tags(html: str) -> str:
    # Good enough for a one-line preview; never used to render anything.
    return html_lib.unescape(_TAG.sub(" ", _SCRIPT_STYLE.sub(" ", html)))
