"""Opening pika connections the way pika needs: one per thread, heartbeats, blocked timeout, backoff."""
from __future__ import annotations

import threading

import pika
import pika.exceptions
from tenacity import RetryCallState, Retrying, retry_if_exception_type, wait_exponential, wait_random

from portal_shared.config import BusSettings
from portal_shared.logging import get_logger

log = get_logger(__name__)

# Errors that mean "the broker is unreachable or went away": back off and reconnect.
BROKER_ERRORS = (pika.exceptions.AMQPError, OSError)


class Stopped(Exception):
    """Raised out of a backoff wait when the owner asked the loop to stop."""


def connection_parameters(settings: BusSettings, *, connection_attempts: int = 1,
                          socket_timeout: float = 5.0) -> pika.URLParameters:
    params = pika.URLParameters(settings.url)
    params.heartbeat = settings.heartbeat
    params.blocked_connection_timeout = settings.blocked_connection_timeout
    params.connection_attempts = connection_attempts
    params.socket_timeout = socket_timeout
    params.client_properties = {"connection_name": f"portal:{threading.current_thread().name}"}
    return params


def connect(settings: BusSettings, *, socket_timeout: float = 5.0) -> pika.BlockingConnection:
    return pika.BlockingConnection(connection_parameters(settings, socket_timeout=socket_timeout))


def connect_with_backoff(settings: BusSettings, stop: threading.Event, *, what: str,
                         max_wait: float = 10.0) -> pika.BlockingConnection:
    """Connect, retrying with exponential backoff and jitter until connected or asked to stop."""

    def before_sleep(state: RetryCallState) -> None:
        log.warning("broker_unreachable", what=what, attempt=state.attempt_number,
                    retry_in_s=round(state.next_action.sleep, 2) if state.next_action else None,
                    error=str(state.outcome.exception()) if state.outcome else None)

    def sleep(seconds: float) -> None:
        if stop.wait(seconds):
            raise Stopped()

    for attempt in Retrying(
        retry=retry_if_exception_type(BROKER_ERRORS),
        wait=wait_exponential(multiplier=0.2, max=max_wait) + wait_random(0, 0.3),
        before_sleep=before_sleep,
        sleep=sleep,
        reraise=True,
    ):
        with attempt:
            if stop.is_set():
                raise Stopped()
            connection = connect(settings)
    log.info("broker_connected", what=what)
    return connection


def close_quietly(connection: pika.BlockingConnection | None) -> None:
    if connection is None:
        return
    try:
        if connection.is_open:
            connection.close()
    except Exception:  # noqa: BLE001 - it is already broken; nothing more to do
        pass


def broker_reachable(settings: BusSettings, timeout: float = 2.0) -> None:
    """Open and close a connection; raises when the broker cannot be reached (readiness checks)."""
    params = connection_parameters(settings, socket_timeout=timeout)
    params.heartbeat = 0
    params.stack_timeout = timeout
    params.blocked_connection_timeout = timeout
    connection = pika.BlockingConnection(params)
    connection.close()
