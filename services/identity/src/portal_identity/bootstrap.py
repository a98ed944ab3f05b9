"""The one place that wires real adapters from the environment. Builds objects; connects nothing."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from portal_identity import SERVICE
from portal_identity.adapters.failure_counter import FailureCounter
from portal_identity.adapters.passwords import Passwords
from portal_identity.service_layer.directory import apply_branch, apply_portal_settings
from portal_shared.api_keys import ApiKeyStore
from portal_shared.bus.consumer import Consumer
from portal_shared.config import ServiceSettings, env_str, operator_token_from_env
from portal_shared.db import Database
from portal_shared.sessions import SessionStore
from portal_shared.web.health import standard_checks

BRANCHES_CONSUMER = "identity.branches"


@dataclass
class Bootstrap:
    settings: ServiceSettings
    db: Database
    passwords: Passwords
    sessions: SessionStore
    operator_token: str | None
    readiness_checks: dict = field(default_factory=dict)
    api_keys: ApiKeyStore | None = None   # where live keys are published for the gateway

    def __post_init__(self) -> None:
        # The same Redis and namespace as the sessions: the gateway reads both from one place.
        if self.api_keys is None:
            self.api_keys = ApiKeyStore(self.sessions)

    @cached_property
    def failure_counter(self) -> FailureCounter:
        """Failed sign-ins (entrypoints/limits.py), in the sessions' Redis; built on first use."""
        return FailureCounter(self.sessions.client)

    def branches_consumer(self) -> Consumer:
        def on_branch(session, envelope):
            apply_branch(session, envelope.data)

        def on_settings(session, envelope):
            apply_portal_settings(session, envelope.data, envelope.tenant_id)

        return Consumer(name=BRANCHES_CONSUMER, handlers={"branch_created": on_branch, "branch_updated": on_branch,
                                                          "portal_settings_updated": on_settings},
                        db=self.db, settings=self.settings.bus)


def bootstrap(settings: ServiceSettings | None = None, *, passwords: Passwords | None = None) -> Bootstrap:
    settings = settings or ServiceSettings.from_env(SERVICE)
    db = Database(settings.database_url)
    sessions = SessionStore(settings.redis_url, namespace=env_str("SESSION_NAMESPACE", "portal"))
    return Bootstrap(
        settings=settings, db=db, passwords=passwords or Passwords(), sessions=sessions,
        operator_token=operator_token_from_env(settings.dev_mode),
        readiness_checks={**standard_checks(db, settings.bus), "redis": sessions.ping},
    )
