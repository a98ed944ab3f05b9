"""The gateway's routing table: slug → branch, fed by events and snapshots, safe across threads.

Events may arrive late or twice; each branch carries a revision and an older copy never
replaces a newer one. A renamed slug stops routing at the old name.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Branch:
    branch_id: str
    company_id: str
    company_name: str
    slug: str
    name: str
    enabled: bool
    time_zone: str
    revision: int

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> "Branch":
        return cls(**{k: data[k] for k in cls.__dataclass_fields__})


class BranchTable:
    def __init__(self) -> None:
        self._by_id: dict[str, Branch] = {}
        self._by_slug: dict[str, Branch] = {}
        self._lock = threading.Lock()
        self.loaded = threading.Event()

    def apply(self, data: dict[str, Any]) -> bool:
        """Take a branch's newer state; returns False when what we hold is as new or newer."""
        branch = Branch.from_data(data)
        with self._lock:
            current = self._by_id.get(branch.branch_id)
            if current and current.revision >= branch.revision:
                return False
            if current and self._by_slug.get(current.slug) is current:
                del self._by_slug[current.slug]
            self._by_id[branch.branch_id] = branch
            self._by_slug[branch.slug] = branch
            return True

    def load_snapshot(self, rows: list[dict[str, Any]]) -> None:
        for row in rows:
            self.apply(row)
        self.loaded.set()

    def by_slug(self, slug: str) -> Branch | None:
        with self._lock:
            return self._by_slug.get(slug)

    def __len__(self) -> int:
        with self._lock:
            return len(self._by_id)
