"""JSON structured logs with the request and correlation ids of whatever is being handled.

structlog's contextvars carry `request_id` and `correlation_id`; the HTTP layer binds them per
request and the consumer binds them per message, so every line (ours, gunicorn's, pika's)
says which request or event it belongs to.
"""
from __future__ import annotations

import logging
import sys
import uuid

import structlog

_configured = False


def configure_logging(service: str, level: str = "INFO") -> None:
    global _configured
    if _configured:
        return
    shared_processors = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    structlog.configure(
        processors=[
            *shared_processors,
            structlog.processors.StackInfoRenderer(),
            structlog.processors.format_exc_info,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*shared_processors, structlog.stdlib.add_logger_name],
        processors=[
            lambda _, __, event: {**event, "service": service},
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.JSONRenderer(),
        ],
    )
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # pika logs every reconnect attempt at ERROR with a traceback; our own backoff logs say enough.
    logging.getLogger("pika").setLevel(logging.CRITICAL)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    _configured = True


def get_logger(name: str | None = None) -> structlog.stdlib.BoundLogger:
    return structlog.get_logger(name)


def new_id() -> str:
    return str(uuid.uuid4())


def bind_ids(*, request_id: str | None = None, correlation_id: str | None = None) -> None:
    values = {k: v for k, v in {"request_id": request_id, "correlation_id": correlation_id}.items() if v}
    structlog.contextvars.bind_contextvars(**values)


def clear_ids() -> None:
    structlog.contextvars.clear_contextvars()


def current_correlation_id() -> str | None:
    ctx = structlog.contextvars.get_contextvars()
    return ctx.get("correlation_id") or ctx.get("request_id")
