"""Where requests keeps its attachments: the storage port's local-disk adapter (PORTAL_STORAGE_DIR, else
`.run/storage/requests`), outside any folder a web server serves; an S3 adapter would be chosen here."""
from __future__ import annotations

from portal_shared.storage import AbstractStorage, LocalDiskStorage, default_storage_dir

from portal_requests import SERVICE


def storage_from_env() -> AbstractStorage:
    return LocalDiskStorage(default_storage_dir(SERVICE))
