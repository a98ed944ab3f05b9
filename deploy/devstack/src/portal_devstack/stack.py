"""The processes of the portal on one machine, with their ports and environment.

One table, used by `make run` (port offset 0) and by the end-to-end tests (offset 10000, their
own databases and queues), so both start the system exactly the same way.
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[4]
BIN = Path(sys.executable).parent

# service → (folder, base port); billing runs two processes to show it scales on its own.
WEB_SERVICES = {
    "identity": ("services/identity", 8101),
    "portal-config": ("services/portal-config", 8102),
    "billing": ("services/billing", 8103),
    "proposals": ("services/proposals", 8104),
    "requests": ("services/requests", 8105),
    "visits": ("services/visits", 8106),
    "notifications": ("services/notifications", 8107),
    "portal-web": ("services/portal-web", 8108),
}
EXTRA_INSTANCES = {"billing": [8113]}
WORKERS = {"portal-config": "portal-config", "identity": "portal-identity", "notifications": "portal-notifications",
           "billing": "portal-billing", "proposals": "portal-proposals", "requests": "portal-requests",
           "visits": "portal-visits"}
# Packages whose databases `migrate` creates and migrates.
MIGRATED = {
    "identity": "portal_identity", "portal-config": "portal_config", "billing": "portal_billing",
    "proposals": "portal_proposals", "requests": "portal_requests", "visits": "portal_visits",
    "notifications": "portal_notifications",
}
GATEWAY_PORT, SMTP_PORT, MAIL_HTTP_PORT = 8080, 1025, 8025
WEBHOOK_RECEIVER_PORT = 8026  # the dev webhook receiver (register http://127.0.0.1:8026/hooks/...)
PAYMENT_SANDBOX_PORT = 8027  # the dev payment processor (CardPointe's REST shape) and its tokenizer page
PAYMENT_SANDBOX_MERCHANT_ID = "800000000800"


@dataclass(frozen=True)
class Process:
    name: str
    command: list[str]
    env: dict[str, str]
    health_url: str | None = None


@dataclass(frozen=True)
class Stack:
    port_offset: int = 0
    namespace: str = "portal"
    database_prefix: str = "portal"
    operator_token: str = "dev-operator-token"
    internal_secret: str = "dev-internal-secret-change-me-0123456789"
    postgres_url: str = field(default_factory=lambda: os.environ.get("POSTGRES_URL", "postgresql+psycopg://localhost:5432"))
    amqp_url: str = field(default_factory=lambda: os.environ.get("AMQP_URL", "amqp://guest:guest@localhost:5672/%2F"))
    redis_url: str = field(default_factory=lambda: os.environ.get("REDIS_URL", "redis://localhost:6379/0"))
    run_dir: Path = ROOT / ".run"
    # Messages the mail sink keeps (newest first); None: its own default (1,000, or MAILSINK_MAX_MESSAGES).
    mail_capacity: int | None = None

    def port(self, base: int) -> int:
        return base + self.port_offset

    @property
    def gateway_port(self) -> int:
        return self.port(GATEWAY_PORT)

    @property
    def base_domain(self) -> str:
        return f"localhost:{self.gateway_port}"

    def operator_headers(self) -> dict[str, str]:
        """What opens the gateway's /readyz and /metrics (and the admin API) on the bare host."""
        return {"Host": self.base_domain, "Authorization": f"Bearer {self.operator_token}"}

    @property
    def mail_api(self) -> str:
        return f"http://127.0.0.1:{self.port(MAIL_HTTP_PORT)}"

    @property
    def webhook_receiver(self) -> str:
        return f"http://127.0.0.1:{self.port(WEBHOOK_RECEIVER_PORT)}"

    @property
    def payment_sandbox(self) -> str:
        return f"http://127.0.0.1:{self.port(PAYMENT_SANDBOX_PORT)}"

    def database_url(self, service: str) -> str:
        return f"{self.postgres_url.rstrip('/')}/{self.database_prefix}_{service.replace('-', '_')}"

    def common_env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",)}
        env.update(
            POSTGRES_URL=self.postgres_url, DATABASE_PREFIX=self.database_prefix, AMQP_URL=self.amqp_url,
            REDIS_URL=self.redis_url, BUS_NAMESPACE=self.namespace, INTERNAL_TOKEN_SECRET=self.internal_secret,
            PORTAL_OPERATOR_TOKEN=self.operator_token, PORTAL_BASE_DOMAIN=self.base_domain, PORTAL_SCHEME="http",
            SMTP_HOST="127.0.0.1", SMTP_PORT=str(self.port(SMTP_PORT)), PYTHONUNBUFFERED="1",
            PORTAL_DEV="true", SESSION_NAMESPACE=self.namespace, PORTAL_WEB_SECRET_KEY=f"dev-web-secret-{self.namespace}",
            PORTAL_STORAGE_DIR=str(self.run_dir / "storage" / "portal-config"),
            WEB_CONCURRENCY=os.environ.get("WEB_CONCURRENCY", "1"),
            PAYMENT_PROCESSOR_URL=f"{self.payment_sandbox}/cardconnect/rest",
            PAYMENT_PROCESSOR_MERCHANT_ID=PAYMENT_SANDBOX_MERCHANT_ID,
            PAYMENT_TOKENIZER_URL=f"{self.payment_sandbox}/itoke/ajax-tokenizer.html",
        )
        # The company seal on signed proposals: a dev CA and key made once in .run/keys (production
        # names its own files in the same variables; services/proposals/.../adapters/pdf_seal.py).
        from portal_proposals.adapters.pdf_seal import write_dev_seal_files

        env.update(write_dev_seal_files(self.run_dir / "keys"))
        for service, (_folder, base) in WEB_SERVICES.items():
            urls = [f"http://127.0.0.1:{self.port(p)}" for p in [base, *EXTRA_INSTANCES.get(service, [])]]
            env["UPSTREAM_" + service.upper().replace("-", "_")] = ",".join(urls)
        return env

    def processes(self) -> list[Process]:
        env = self.common_env()
        capacity = ["--max-messages", str(self.mail_capacity)] if self.mail_capacity else []
        procs = [Process("mailsink", [str(BIN / "portal-mailsink"), "--smtp-port", str(self.port(SMTP_PORT)),
                                      "--http-port", str(self.port(MAIL_HTTP_PORT)), *capacity], env,
                         f"{self.mail_api}/livez"),
                 Process("webhook-receiver", [str(BIN / "portal-webhook-receiver"), "--port",
                                              str(self.port(WEBHOOK_RECEIVER_PORT))], env,
                         f"{self.webhook_receiver}/livez"),
                 Process("payment-sandbox", [str(BIN / "portal-payment-sandbox"), "--port",
                                             str(self.port(PAYMENT_SANDBOX_PORT)),
                                             "--merchant-id", PAYMENT_SANDBOX_MERCHANT_ID], env,
                         f"{self.payment_sandbox}/livez")]
        for service, (folder, base) in WEB_SERVICES.items():
            for index, port in enumerate([base, *EXTRA_INSTANCES.get(service, [])]):
                name = service if index == 0 else f"{service}-{index + 1}"
                procs.append(Process(
                    name, [str(BIN / "gunicorn"), "-c", str(ROOT / folder / "gunicorn.conf.py")],
                    {**env, "BIND": f"127.0.0.1:{self.port(port)}",
                     "PORTAL_STORAGE_DIR": str(self.run_dir / "storage" / service),  # each service its own files
                     "WORKER_HEARTBEAT_FILE": str(self.run_dir / f"{name}.alive")},
                    f"http://127.0.0.1:{self.port(port)}/healthz"))
        for service, command in WORKERS.items():
            procs.append(Process(f"{service}-worker", [str(BIN / command), "worker"],
                                 {**env, "PORTAL_STORAGE_DIR": str(self.run_dir / "storage" / service), "WORKER_HEARTBEAT_FILE": str(self.run_dir / f"{service}-worker.alive")}))
        procs.append(Process("gateway", [str(BIN / "gunicorn"), "-c", str(ROOT / "gateway/gunicorn.conf.py")],
                             {**env, "BIND": f"0.0.0.0:{self.gateway_port}"},
                             f"http://127.0.0.1:{self.gateway_port}/healthz"))
        return procs
