import os

from portal_shared.gunicorn_conf import *  # noqa: F401,F403 - shared worker model and hooks

bind = os.environ.get("BIND", "127.0.0.1:8106")
wsgi_app = "portal_shared.kit.wsgi:create_app('portal_visits')"
