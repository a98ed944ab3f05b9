"""SMTP side: an aiosmtpd handler that accepts every message into the store.

This module owns the SMTP conversation only. aiosmtpd's ``Controller`` runs the
server on its own asyncio loop in a background thread; the handler hands the
raw bytes to ``MessageStore`` and logs one JSON line per message.
"""

from __future__ import annotations

import json
import logging

from aiosmtpd.controller import Controller

from .store import MessageStore, rfc3339

log = logging.getLogger("portal_mailsink")


class SinkHandler:
    """Accept any sender and any recipient; there is no relaying, ever."""

    def __init__(self, store: MessageStore) -> None:
        self.store = store

    async def handle_DATA(self, server, session, envelope) -> str:
        # original_content is the exact bytes the client sent (after dot-unstuffing),
        # so the raw view and the size match what Mailpit would show.
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8", errors="surrogateescape")
        try:
            received = self.store.add(raw, mail_from=envelope.mail_from or "", rcpt_tos=envelope.rcpt_tos)
        except Exception:
            log.exception("failed to store message")
            return "451 Requested action aborted: error in processing"
        log.info(
            json.dumps(
                {
                    "event": "message_received",
                    "time": rfc3339(received.created),
                    "id": received.id,
                    "message_id": received.message_id,
                    "mail_from": envelope.mail_from,
                    "rcpt_to": list(envelope.rcpt_tos),
                    "subject": received.subject,
                    "size": received.size,
                },
                ensure_ascii=False,
            )
        )
        return "250 Message accepted for delivery"


def create_controller(store: MessageStore, host: str, port: int) -> Controller:
    # SMTPUTF8 so apps sending internationalised addresses are not rejected.
    return Controller(SinkHandler(store), hostname=host, port=port, enable_SMTPUTF8=True)
