"""visits's customer API for the Visits pages: `GET /visits` (one page of the list, the Show filter and
the Property Filter; X-Pagination's `total` is the "M" of "N of M"), `GET /visits/<id>`, and the
customer's calendar feed (`GET|POST|DELETE /calendar-feed`). Each call forwards the gateway's identity
token: visits decides what the customer may see (and which notes: only those shown in the portal).
The plumbing is `adapters.feature_api`'s; `VisitsError` (404: not one of the customer's visits) and
`VisitsUnavailable` become pages in entrypoints/visits.py."""
from __future__ import annotations

from flask import current_app

from portal_web.adapters.feature_api import FeatureApiClient, FeatureApiError, FeatureApiUnavailable, Page


class VisitsError(FeatureApiError):
    pass


class VisitsUnavailable(FeatureApiUnavailable):
    pass


class VisitsClient(FeatureApiClient):
    service = "visits"
    Error = VisitsError
    Unavailable = VisitsUnavailable

    def visits(self, *, show: str, page: int, property_ids: list[str] | None) -> Page:
        return self.page("/visits", show=show, page=page, property_ids=property_ids)

    def visit(self, visit_id: str) -> dict:
        """One visit in detail; VisitsError(404) when it is not the customer's."""
        return self.one("/visits", visit_id)

    def calendar_feed(self) -> dict:
        return self._json(self.call("GET", "/calendar-feed"), dict)

    def new_calendar_feed(self) -> dict:
        """A new feed URL (its `path` shown once), replacing the customer's earlier one."""
        return self._json(self.call("POST", "/calendar-feed", expect=(201,)), dict)

    def revoke_calendar_feed(self) -> None:
        self.call("DELETE", "/calendar-feed", expect=(204,))


def visits() -> VisitsClient:
    return current_app.extensions["visits_client"]
