"""Prometheus metrics: per-request counts and latencies, served at /metrics.

Under gunicorn with several workers, set PROMETHEUS_MULTIPROC_DIR so /metrics adds up every
worker's figures (the gunicorn config marks dead workers).
"""
from __future__ import annotations

import os
import time
from collections.abc import Iterable

from flask import Flask, Response, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.registry import Collector

REQUESTS = Counter("http_requests_total", "HTTP requests handled", ["service", "method", "endpoint", "status"])
LATENCY = Histogram("http_request_duration_seconds", "HTTP request latency", ["service", "method", "endpoint"])


def init_metrics(app: Flask, service: str, *, expose_route: bool = True) -> None:
    @app.before_request
    def _start_timer() -> None:
        g._metrics_started = time.perf_counter()

    @app.after_request
    def _record(response):
        started = getattr(g, "_metrics_started", None)
        # The URL rule, not the raw path, keeps the label set small.
        endpoint = request.url_rule.rule if request.url_rule else "unmatched"
        REQUESTS.labels(service, request.method, endpoint, str(response.status_code)).inc()
        if started is not None:
            LATENCY.labels(service, request.method, endpoint).observe(time.perf_counter() - started)
        return response

    if expose_route:
        app.add_url_rule("/metrics", "metrics", metrics_response)


def metrics_response(extra: Iterable[Collector] = ()) -> Response:
    """This process's (or every worker's) figures, then those of `extra` collectors read at scrape time."""
    return Response(render_metrics(extra), mimetype=CONTENT_TYPE_LATEST)


def render_metrics(extra: Iterable[Collector] = ()) -> bytes:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        text = generate_latest(registry)
    else:
        text = generate_latest()
    extra = list(extra)
    if extra:
        # A registry per scrape: these read live state (the broker), never a worker's memory.
        registry = CollectorRegistry(auto_describe=False)
        for collector in extra:
            registry.register(collector)
        text += generate_latest(registry)
    return text
