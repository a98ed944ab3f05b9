"""requests's customer API for the Requests pages: `GET /requests` (one page of the list, Show Open or Closed and
the Property Filter; X-Pagination's `total` is the "M" of "N of M"), `GET /requests/<id>`, and the two forms
(`POST /requests`, `POST /requests/<id>/comments`), whose files are passed on as they came (multipart).

Each call forwards the gateway's identity token: requests decides what the customer may see, create and
comment on, and checks every attachment. `RequestsError` is its refusal (404: not one of the customer's
requests; 422: the fields it names, an attachment's message naming the file); `RequestsUnavailable` when it
cannot be reached or answers garbage. Nothing is retried: creating is not idempotent. The plumbing is
`adapters.feature_api`'s.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from portal_web.adapters.feature_api import FeatureApiClient, FeatureApiError, FeatureApiUnavailable, Page

RequestPage = Page


class RequestsError(FeatureApiError):
    service = "requests"


class RequestsUnavailable(FeatureApiUnavailable):
    """requests could not be reached, or its answer was not what its API promises."""


@dataclass(frozen=True)
class Attachment:
    filename: str
    stream: object
    content_type: str


class RequestsClient(FeatureApiClient):
    service = "requests"
    Error = RequestsError
    Unavailable = RequestsUnavailable

    def requests(self, *, show: str, page: int, property_ids: list[str] | None) -> RequestPage:
        """One page of the customer's requests (Open: newest first; Closed: latest completed first)."""
        return self.page("/requests", show=show, page=page, property_ids=property_ids)

    def request(self, request_id: str) -> dict:
        """One request in detail; RequestsError(404) when it is not the customer's."""
        return self.one("/requests", request_id)

    @staticmethod
    def _files(attachments: list[Attachment]) -> list[tuple]:
        return [("attachments", (a.filename, a.stream, a.content_type)) for a in attachments]

    def create(self, fields: dict[str, str], attachments: list[Attachment]) -> dict:
        """Add New Request; RequestsError(422) names the refused field or file."""
        return self._json(self.call("POST", "/requests", expect=(201,), data=fields, files=self._files(attachments),
                                    timeout=self.slow_timeout), dict)

    def comment(self, request_id: str, text: str, attachments: list[Attachment]) -> dict:
        """Add Comment; RequestsError(404) when not the customer's, (422) naming the refused field or file."""
        return self._json(self.call("POST", f"/requests/{self._segment(request_id)}/comments", expect=(201,),
                                     data={"text": text}, files=self._files(attachments),
                                    timeout=self.slow_timeout), dict)


def requests_api() -> RequestsClient:
    return current_app.extensions["requests_client"]
