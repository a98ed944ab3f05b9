"""The file storage port (ADR 0010), and its local-disk adapter: portal-config's logos and
carousel pictures, requests' attachments. Plumbing only: what may be stored is each service's rule.

Objects are immutable and named by their content (`<sha[:2]>/<sha256>.<ext>`, see
`content_key`), so writing the same bytes twice is harmless and a reader may cache forever.

Adapters:
- `LocalDiskStorage(root)`: one directory per service (env `PORTAL_STORAGE_DIR`; by default
  `<repo>/.run/storage/<service>` in a checkout, else a directory under the system temp
  dir), never a folder any web server serves. Every process of the service (web, worker, seed)
  must see the same directory: in containers, mount a shared volume there.
- An S3 adapter belongs here too: `S3Storage(bucket, prefix)` implementing `put` with
  `put_object(Bucket, Key, Body, ContentType, CacheControl)` and `get` with `get_object`
  (NoSuchKey → `StoredObjectMissing`), chosen in `bootstrap.py` when e.g. `PORTAL_STORAGE_URL`
  is `s3://bucket/prefix`. Nothing else in the service would change.
"""
from __future__ import annotations

import hashlib
import os
import re
import tempfile
from abc import ABC, abstractmethod
from pathlib import Path

_KEY = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{64}\.[a-z0-9]{1,5}$")


class StoredObjectMissing(KeyError):
    pass


class AbstractStorage(ABC):
    @abstractmethod
    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Store `data` under `key` (idempotent: objects are named by their content)."""

    @abstractmethod
    def get(self, key: str) -> bytes:
        """The bytes stored under `key`; raises StoredObjectMissing."""

    @abstractmethod
    def exists(self, key: str) -> bool:
        ...


def content_key(data: bytes, extension: str) -> str:
    """`<sha256[:2]>/<sha256>.<extension>` of the bytes: the only shape `check_key` accepts."""
    digest = hashlib.sha256(data).hexdigest()
    return check_key(f"{digest[:2]}/{digest}.{extension}")


def check_key(key: str) -> str:
    """Only content keys: nothing a caller passes can reach outside the storage root."""
    if not _KEY.fullmatch(key):
        raise ValueError(f"not a storage key: {key!r}")
    return key


class LocalDiskStorage(AbstractStorage):
    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)
        if path.exists():
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write aside, then rename: a reader never sees half an object.
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise StoredObjectMissing(key) from None

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()


def default_storage_dir(service: str) -> Path:
    """`PORTAL_STORAGE_DIR`, else `<repo>/.run/storage/<service>` in a checkout, else a temp dir."""
    explicit = os.environ.get("PORTAL_STORAGE_DIR")
    if explicit:
        return Path(explicit)
    for parent in Path(__file__).resolve().parents:
        if (parent / "constraints.txt").is_file() and (parent / "services").is_dir():
            return parent / ".run" / "storage" / service
    return Path(tempfile.gettempdir()) / f"{service}-storage"
