import os

from portal_shared.gunicorn_conf import *  # noqa: F401,F403 - shared worker model and hooks

bind = os.environ.get("BIND", "127.0.0.1:8080")
wsgi_app = "portal_gateway.app:create_app()"
# Proxying waits on upstreams: more threads, and a timeout above the upstream read timeout.
threads = int(os.environ.get("WEB_THREADS", "16"))
timeout = int(os.environ.get("WEB_TIMEOUT", "60"))
