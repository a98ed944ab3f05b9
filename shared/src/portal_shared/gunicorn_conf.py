"""Gunicorn defaults every service imports in its own gunicorn.conf.py (which sets `bind`).

Threads serve concurrent requests cheaply; engines and broker connections are opened lazily
in each worker, after the fork. PROMETHEUS_MULTIPROC_DIR makes /metrics add up all workers.
No response says `Server: gunicorn` (what runs where is nobody's business): `hide_server_header`.
"""
import os

from gunicorn.http import wsgi as _gunicorn_wsgi

workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "4"))
timeout = int(os.environ.get("WEB_TIMEOUT", "30"))
graceful_timeout = 10
keepalive = 5
accesslog = None  # our JSON logs say what was requested
errorlog = "-"
# The most gunicorn allows: the gateway refuses URIs over 4096 bytes itself, as a 414 problem
# (portal_gateway.entrypoints.errors), so gunicorn's own plain 414 only meets lines past 8 KiB,
# and a line the gateway forwards always fits the service's limit.
limit_request_line = 8190


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def hide_server_header() -> None:
    """Drop the `Server:` line gunicorn writes before the app's headers (it has no setting for it).

    Patched on the class in the master, at config load, so every forked worker inherits it. Only
    the HTTP/1.1 writer does this; we do not enable gunicorn's HTTP/2.
    """
    response_class = _gunicorn_wsgi.Response
    if getattr(response_class.default_headers, "_portal_hides_server", False):
        return
    original = response_class.default_headers

    def default_headers(self):
        return [line for line in original(self) if not line.lower().startswith("server:")]

    default_headers._portal_hides_server = True
    response_class.default_headers = default_headers


hide_server_header()
