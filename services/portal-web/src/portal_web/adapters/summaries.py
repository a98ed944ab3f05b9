"""The four services' `GET /summary`, called concurrently for one page.

billing → {current_balance_cents, invoices_due, property_ids}, proposals → {pending_proposals, ...},
requests → {pending_requests, ...}, visits → {upcoming_visits, ...}. Each call needs the customer's
session, so it forwards the request's `X-Portal-Identity` and `X-Request-ID`; `property_id` repeats
once per property selected in the filter (none: all of the customer's properties in this branch).

A page must render when a service is down or slow: each call has short timeouts (connect 0.5 s,
read 2 s), the whole set an overall deadline, and a failed, slow or malformed answer is simply
`None` for that service (the page says "Unavailable right now"). Nothing is retried.
"""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Any

import requests
from flask import current_app

from portal_shared.logging import get_logger
from portal_web.adapters.http import ServiceClient

log = get_logger(__name__)
SUMMARY_SERVICES = ("billing", "proposals", "requests", "visits")


class SummaryClient(ServiceClient):
    def __init__(self, urls: dict[str, str], *, connect_timeout: float = 0.5, read_timeout: float = 2.0,
                 deadline: float | None = None, pool_size: int = 16):
        super().__init__(connect_timeout=connect_timeout, read_timeout=read_timeout, pool_size=pool_size)
        self.urls = {name: url.rstrip("/") for name, url in urls.items()}
        # A slow trickle could keep each read under the read timeout; the page never waits longer than this.
        self.deadline = deadline if deadline is not None else connect_timeout + read_timeout + 0.5
        self._executor: ThreadPoolExecutor | None = None

    @property
    def executor(self) -> ThreadPoolExecutor:
        """One thread pool for every page, built on first use (after the fork, in the worker that uses it).
        As many threads as pooled connections: the pages served at once share them."""
        if self._executor is None:
            with self._lazy_lock:
                if self._executor is None:
                    self._executor = ThreadPoolExecutor(max_workers=self.pool_size, thread_name_prefix="summary")
        return self._executor

    def _one(self, service: str, params: list[tuple[str, str]], headers: dict[str, str]) -> dict | None:
        url = self.urls.get(service)
        if not url:
            return None
        started = time.monotonic()
        try:
            response = self.session.get(f"{url}/summary", params=params, headers=headers, timeout=self.timeout,
                                        allow_redirects=False)
        except requests.RequestException as exc:
            log.warning("summary_unavailable", service=service, error=type(exc).__name__,
                        elapsed_ms=int((time.monotonic() - started) * 1000))
            return None
        if response.status_code != 200:
            log.warning("summary_refused", service=service, status=response.status_code)
            return None
        try:
            data = response.json()
        except ValueError:
            log.warning("summary_not_json", service=service)
            return None
        return data if isinstance(data, dict) else None

    def fetch(self, services: list[str] | tuple[str, ...], property_ids: list[str] | None) -> dict[str, dict | None]:
        """Each service's summary (or None), asked all at once. Call in a request: headers are forwarded."""
        services = [s for s in dict.fromkeys(services) if s in SUMMARY_SERVICES]
        if not services:
            return {}
        headers = self.forwarded_headers()  # read here: the worker threads have no request context
        params = [("property_id", p) for p in property_ids or []]
        results: dict[str, dict | None] = {s: None for s in services}
        futures = {self.executor.submit(self._one, s, params, headers): s for s in services}
        done, not_done = wait(futures, timeout=self.deadline)
        for future in done:
            results[futures[future]] = future.result()
        for future in not_done:
            future.cancel()  # not started yet: never started; running: ends by its own read timeout
            log.warning("summary_deadline_passed", service=futures[future])
        return results


def count(summary: dict | None, key: str) -> int | None:
    """A non-negative whole number from a summary, or None when the answer did not have one."""
    value: Any = (summary or {}).get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return value


def summaries() -> SummaryClient:
    return current_app.extensions["summary_client"]
