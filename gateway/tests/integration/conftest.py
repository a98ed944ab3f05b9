"""Real local HTTP upstreams and a gateway app in front of them (see gateway/tests/conftest.py).

Everything a test module needs is a fixture here: with importlib import mode a test module
cannot import this file by name.
"""
from __future__ import annotations

import http.server
import json
import secrets
import socket
import uuid
import threading
import time
from collections.abc import Callable

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from portal_gateway.app import create_app
from portal_gateway.config import DEFAULT_UPSTREAMS, GatewaySettings
from portal_shared.api_keys import ApiKeyStore, PublishedKey, key_digest
from portal_shared.sessions import SessionStore
from portal_testkit.testing import require_reachable, unique

BASE_DOMAIN = "localhost:8080"
SECRET = "gateway-test-secret-0123456789-abcdefghij"
OPERATOR_TOKEN = "gateway-test-operator-token-0123456789abcdef"


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs) -> None:  # keep test output readable
        pass


class Upstream:
    """A real HTTP server in a thread, on a free local port."""

    def __init__(self, name: str, app: Callable):
        self.name = name
        self.seen: list[dict] = []
        self.release = threading.Event()  # lets a streaming response finish
        self.server = make_server("127.0.0.1", 0, app(self), threaded=True, request_handler=_QuietHandler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       name=f"upstream-{name}", daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def echo_app(*, delay: float = 0.0, readyz_status: int = 200):
    """Answers every request with what it received, as JSON.

    `X-Echo-Status` / `X-Echo-Location` request headers choose the response status and
    Location; every answer also sets `X-Upstream: <name>` and two cookies. A path ending in
    /stream sends one line, then waits for `release` before the second.
    """

    def build(upstream: Upstream):
        def app(environ, start_response):
            request = Request(environ)
            if request.path == "/readyz":
                body = json.dumps({"service": upstream.name, "ready": readyz_status == 200})
                return Response(body, status=readyz_status, mimetype="application/json")(environ, start_response)
            record = {
                "server": upstream.name,
                "method": request.method,
                "path": request.path,
                "query": request.query_string.decode(),
                "headers": {k.lower(): v for k, v in request.headers.items()},
                "body": request.get_data(as_text=True),
            }
            upstream.seen.append(record)
            if delay:
                time.sleep(delay)
            if request.path.endswith("/stream"):
                def lines():
                    yield b"first\n"
                    upstream.release.wait(5)
                    yield b"second\n"
                response = Response(lines(), mimetype="text/plain")
            else:
                response = Response(json.dumps(record), mimetype="application/json",
                                    status=int(request.headers.get("X-Echo-Status", 200)))
                if "X-Echo-Location" in request.headers:
                    response.headers["Location"] = request.headers["X-Echo-Location"]
            response.headers["X-Upstream"] = upstream.name
            response.headers.add("Set-Cookie", "first=1; Path=/")
            response.headers.add("Set-Cookie", "second=2; Path=/")
            return response(environ, start_response)

        return app

    return build


class _DropAfterReadingHandler(http.server.BaseHTTPRequestHandler):
    """Reads a whole request, records it, then closes the connection without answering."""

    def _drop(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.server.seen.append({"method": self.command, "path": self.path,
                                 "body": self.rfile.read(length).decode()})
        self.close_connection = True

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _drop

    def log_message(self, *args) -> None:
        pass


class DroppingUpstream:
    def __init__(self):
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _DropAfterReadingHandler)
        self.server.daemon_threads = True
        self.server.seen = []
        self.seen = self.server.seen
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="session")
def upstreams():
    """One echo server per routable service, named after it (shared by every test)."""
    servers = {name: Upstream(name, echo_app()) for name in DEFAULT_UPSTREAMS}
    yield servers
    for server in servers.values():
        server.close()


@pytest.fixture
def start_upstream():
    """Start an extra server for one test: start_upstream("billing-a", delay=2, readyz_status=503) runs the
    echo app; start_upstream("x", app=wsgi_app) runs any WSGI app instead."""
    started: list = []

    def start(name: str, app: Callable | None = None, **options) -> Upstream:
        server = Upstream(name, (lambda _upstream: app) if app is not None else echo_app(**options))
        started.append(server)
        return server

    yield start
    for server in started:
        server.close()


@pytest.fixture
def dropping_upstream():
    server = DroppingUpstream()
    yield server
    server.close()


@pytest.fixture
def down_url() -> str:
    """The address of a local port nobody listens on: connecting is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The real Redis the tests use (TEST_REDIS_URL); fails saying so when it does not answer."""
    return require_reachable().redis_url


@pytest.fixture
def session_store(redis_url):
    """A real SessionStore in a namespace of its own; the gateway from make_gateway reads the same
    namespace. Every key of the namespace is deleted afterwards."""
    store = SessionStore(redis_url, namespace=unique("gwtest"))
    yield store
    keys = list(store.client.scan_iter(match=f"{store.namespace}:*"))
    if keys:
        store.client.delete(*keys)
    store.client.close()


@pytest.fixture
def key_store(session_store) -> ApiKeyStore:
    """Where identity publishes API keys: the real Redis, in the namespace the gateway reads."""
    return ApiKeyStore(session_store)


@pytest.fixture
def publish_key(key_store):
    """publish_key(tenant_id, scopes) → a new key (the value a back office sends), live in Redis as
    identity's create_key leaves it; `key_store.withdraw_many([key_digest(key)])` revokes it."""

    def publish(tenant_id: str | None = None, scopes=("contacts:write",)) -> tuple[str, PublishedKey]:
        key = f"pk_{secrets.token_hex(4)}_{secrets.token_urlsafe(32)}"
        published = PublishedKey(tenant_id=tenant_id or str(uuid.uuid4()), key_id=str(uuid.uuid4()),
                                 scopes=tuple(scopes))
        key_store.publish(key_digest(key), published)
        return key, published

    return publish


@pytest.fixture
def guarded_service(start_upstream):
    """guarded_service("billing", "invoices:write") → a running upstream serving `_guarded_app`."""

    def start(service: str, scope: str) -> Upstream:
        return start_upstream(service, app=_guarded_app(service, scope))

    return start


def _guarded_app(service: str, scope: str):
    """A service app on the real shared base (`create_service_app`) with one integration endpoint
    behind the real `require_integration(scope)`: what billing or visits declare for their own."""
    from flask_smorest import Blueprint

    from portal_shared.web import create_service_app
    from portal_shared.web.auth import current_integration, require_integration

    app, api = create_service_app(f"guarded_{service}", service=service, internal_token_secret=SECRET,
                                  log_level="WARNING")
    blp = Blueprint(f"{service}_integration", __name__, url_prefix="/integration")

    @blp.route("/things/<thing_id>", methods=["PUT"])
    @require_integration(scope)
    def put_thing(thing_id):
        """Create or update a thing by the back office's id."""
        client = current_integration()
        return {"service": service, "tenant_id": client.tenant_id, "thing_id": thing_id}

    @blp.route("/ping", methods=["GET"])
    def ping():  # not an integration endpoint's guard: stays undocumented by scope
        return {"service": service}

    api.register_blueprint(blp)
    return app


@pytest.fixture
def closed_redis_url(down_url) -> str:
    """A Redis URL on a local port nobody listens on: Redis is "down" (connection refused)."""
    return "redis://" + down_url.removeprefix("http://") + "/0"


@pytest.fixture
def secret() -> str:
    return SECRET


@pytest.fixture
def operator() -> dict[str, str]:
    """The header that opens the bare host's /readyz and /metrics (make_gateway's operator token)."""
    return {"Authorization": f"Bearer {OPERATOR_TOKEN}"}


@pytest.fixture
def demo_branch(make_branch) -> dict:
    """Enabled branch at demo.localhost:8080."""
    return make_branch(slug="demo", name="North Branch", company_name="Green Acres Landscaping",
                       time_zone="America/Chicago", revision=4)


@pytest.fixture
def disabled_branch(make_branch) -> dict:
    """Branch at closed.localhost:8080 whose portal is not enabled."""
    return make_branch(slug="closed", name="South Branch", company_name="Blue Sky Pools", enabled=False)


@pytest.fixture
def make_gateway(upstreams, demo_branch, disabled_branch, session_store):
    """Build the real gateway app (no feed thread) in front of the echo servers.

    make_gateway(billing=[url_a, url_b], read_timeout=0.5, branches=[...], loaded=True, redis_url=...)
    Services not named go to their session echo server. `branches` defaults to the demo and
    disabled branches; `loaded=False` leaves the table unloaded. Sessions are read from the real
    Redis in `session_store`'s namespace unless `redis_url` points elsewhere.
    """
    apps = []

    def make(*, read_timeout: float = 5.0, branches: list[dict] | None = None, loaded: bool = True,
             redis_url: str | None = None, **overrides: list[str]):
        routes = {name: [server.url] for name, server in upstreams.items()}
        routes.update({name.replace("_", "-"): urls for name, urls in overrides.items()})
        settings = GatewaySettings(base_domain=BASE_DOMAIN, upstreams=routes, internal_token_secret=SECRET,
                                   connect_timeout=1.0, read_timeout=read_timeout,
                                   redis_url=redis_url or session_store.redis_url,
                                   session_namespace=session_store.namespace, operator_token=OPERATOR_TOKEN)
        app = create_app(settings, start_feed=False)
        if loaded:
            app.extensions["gateway_branches"].load_snapshot(
                branches if branches is not None else [demo_branch, disabled_branch])
        apps.append(app)
        return app

    yield make
    for app in apps:
        for pool in app.extensions["gateway_pools"].values():
            pool.session.close()
        app.extensions["gateway_sessions"].store.client.close()


@pytest.fixture
def serve():
    """Serve a WSGI app (the gateway) over real HTTP on a free port; returns its base URL."""
    started: list[Upstream] = []

    def start(app) -> str:
        server = Upstream("gateway", lambda _upstream: app)
        started.append(server)
        return server.url

    yield start
    for server in started:
        server.close()
