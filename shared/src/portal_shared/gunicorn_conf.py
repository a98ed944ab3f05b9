"""Gunicorn defaults every service imports in its own gunicorn.conf.py (which sets `bind`).

Threads serve concurrent requests cheaply; engines and broker connections are opened lazily
in each worker, after the fork. PROMETHEUS_MULTIPROC_DIR makes /metrics add up all workers.
"""
import os

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
