"""visits's customer API for the Visits pages: `GET /visits` (one page of the list, the Show filter and
the Property Filter; X-Pagination's `total` is the "M" of "N of M"), `GET /visits/<id>`, and the
customer's calendar feed (`GET|POST|DELETE /calendar-feed`). Each call forwards the gateway's identity
token: visits decides what the customer may see (and which notes: only those shown in the portal)."""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from portal_web.adapters.http import JsonServiceClient

PAGE_SIZE = 20


@dataclass(frozen=True)
class VisitPage:
    rows: list[dict]
    total: int          # every visit the Show and Property Filter match ("M")
    page: int
    total_pages: int


class VisitsClient(JsonServiceClient):
    service = "visits"

    def visits(self, *, show: str, page: int, property_ids: list[str] | None) -> VisitPage:
        params = [("show", show), ("page", str(page)), ("page_size", str(PAGE_SIZE)),
                  *(("property_id", p) for p in property_ids or [])]
        response = self.call("GET", "/visits", params)
        rows = [r for r in self.json_of(response, list) if isinstance(r, dict)]
        total = self.total_of(response, len(rows))
        return VisitPage(rows=rows, total=total, page=page, total_pages=max(1, -(-total // PAGE_SIZE)))

    def visit(self, visit_id: str) -> dict:
        """One visit in detail; ServiceRefused(404) when it is not the customer's."""
        return self.json_of(self.call("GET", f"/visits/{self._segment(visit_id)}"), dict)

    def calendar_feed(self) -> dict:
        return self.json_of(self.call("GET", "/calendar-feed"), dict)

    def new_calendar_feed(self) -> dict:
        """A new feed URL (its `path` shown once), replacing the customer's earlier one."""
        return self.json_of(self.call("POST", "/calendar-feed", expect=(201,)), dict)

    def revoke_calendar_feed(self) -> None:
        self.call("DELETE", "/calendar-feed", expect=(204,))


def visits() -> VisitsClient:
    return current_app.extensions["visits_client"]
