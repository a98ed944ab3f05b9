"""portal-config's uploaded images go through the shared storage port (`portal_shared.storage`, ADR 0010)."""
from __future__ import annotations

from pathlib import Path

from portal_shared.storage import AbstractStorage, LocalDiskStorage, StoredObjectMissing, check_key

__all__ = ["AbstractStorage", "LocalDiskStorage", "StoredObjectMissing", "check_key", "default_storage_dir"]


def default_storage_dir() -> Path:
    from portal_shared.storage import default_storage_dir as for_service

    return for_service("portal-config")
