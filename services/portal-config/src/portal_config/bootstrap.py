"""The one place that wires real adapters from the environment. Builds objects; connects nothing."""
from __future__ import annotations

from dataclasses import dataclass, field

from portal_config import SERVICE
from portal_config.adapters.storage import AbstractStorage, LocalDiskStorage, default_storage_dir
from portal_config.service_layer.branches import PortalAddress
from portal_config.service_layer.staff import STAFF_CONSUMER, apply_staff_upserted
from portal_shared.bus.consumer import Consumer
from portal_shared.config import ServiceSettings, env_str, operator_token_from_env
from portal_shared.db import Database
from portal_shared.web.health import standard_checks


def local_storage() -> AbstractStorage:
    """Uploaded images on local disk (PORTAL_STORAGE_DIR); an S3 adapter would be chosen here."""
    return LocalDiskStorage(default_storage_dir())


@dataclass
class Bootstrap:
    settings: ServiceSettings
    db: Database
    address: PortalAddress
    operator_token: str | None
    readiness_checks: dict = field(default_factory=dict)
    storage: AbstractStorage = field(default_factory=local_storage)

    def staff_consumer(self) -> Consumer:
        """The staff read model: who may change portal settings (from identity's staff_upserted)."""
        return Consumer(name=STAFF_CONSUMER, handlers={"staff_upserted": apply_staff_upserted},
                        db=self.db, settings=self.settings.bus)


def bootstrap(settings: ServiceSettings | None = None) -> Bootstrap:
    settings = settings or ServiceSettings.from_env(SERVICE)
    db = Database(settings.database_url)
    return Bootstrap(
        settings=settings,
        db=db,
        address=PortalAddress(base_domain=env_str("PORTAL_BASE_DOMAIN", "localhost:8080"),
                              scheme=env_str("PORTAL_SCHEME", "http")),
        operator_token=operator_token_from_env(settings.dev_mode),
        readiness_checks=standard_checks(db, settings.bus),
        storage=local_storage(),
    )
