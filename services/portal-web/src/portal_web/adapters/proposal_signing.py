"""proposals' Select & Sign API for the signing and verify pages: `GET /proposals/<id>/signing` (what the
pad shows), `POST /proposals/<id>/signature`, `GET /proposals/<id>/signed.pdf`, `POST /proposals/verify`.

Each call forwards the gateway's identity token (proposals decides who sees and who signs, and records the
client's address from the token) and the browser's user agent for the audit trail. `SigningError` carries
proposals' refusal (status, code, detail, field errors) for the page to show; `SigningUnavailable` a
failure to reach it or an answer its API does not promise. Signing is never retried: a second POST would
only be told the proposal is already signed, but a page must not claim what it did not see.
"""
from __future__ import annotations

from typing import Any

import requests
from flask import current_app, has_request_context, request

from portal_shared.logging import get_logger
from portal_web.adapters.http import ServiceClient

log = get_logger(__name__)
USER_AGENT_HEADER = "X-Portal-Client-User-Agent"


class SigningError(Exception):
    def __init__(self, status: int, code: str | None = None, detail: str | None = None,
                 errors: dict[str, list[str]] | None = None):
        super().__init__(f"proposals answered {status} {code or ''}".strip())
        self.status, self.code, self.detail, self.errors = status, code, detail, errors or {}


class SigningUnavailable(Exception):
    """proposals could not be reached, or its answer was not what its API promises."""


class SigningClient(ServiceClient):
    def __init__(self, url: str, *, connect_timeout: float = 0.5, read_timeout: float = 20.0, pool_size: int = 8):
        # Signing renders and seals a PDF: a longer read timeout than a page's lookups.
        super().__init__(connect_timeout=connect_timeout, read_timeout=read_timeout, pool_size=pool_size)
        self.url = url.rstrip("/")

    def _headers(self) -> dict[str, str]:
        headers = self.forwarded_headers()
        if has_request_context() and request.user_agent.string:
            headers[USER_AGENT_HEADER] = request.user_agent.string[:512]
        return headers

    def _call(self, method: str, path: str, expect: tuple[int, ...] = (200,), **kwargs) -> requests.Response:
        try:
            response = self.session.request(method, f"{self.url}{path}", headers=self._headers(),
                                            timeout=self.timeout, allow_redirects=False, **kwargs)
        except requests.RequestException as exc:
            log.warning("proposals_unavailable", path=path, error=type(exc).__name__)
            raise SigningUnavailable(type(exc).__name__) from exc
        if response.status_code >= 500:
            log.warning("proposals_failed", path=path, status=response.status_code)
            raise SigningUnavailable(f"status {response.status_code}")
        if response.status_code not in expect:
            body = self._problem(response)
            errors = body.get("errors") if isinstance(body.get("errors"), dict) else {}
            raise SigningError(response.status_code, body.get("code"), body.get("detail"), errors)
        return response

    @staticmethod
    def _object(response: requests.Response) -> dict[str, Any]:
        try:
            data = response.json()
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise SigningUnavailable("not the JSON proposals' API promises")
        return data

    def sheet(self, proposal_id: str, *, showing: bool = False) -> dict[str, Any]:
        """What the signature pad shows (number, optional services, price, consent, may_sign, signature);
        `showing`: the pad is about to be shown, so proposals records the disclosure as shown."""
        return self._object(self._call("GET", f"/proposals/{self._segment(proposal_id)}/signing",
                                       params={"showing": "true" if showing else "false"}))

    def sign(self, proposal_id: str, *, version: int, optional_services: list[str], consent_version: str,
             consent_accepted: bool, mark_kind: str, mark: str) -> dict[str, Any]:
        body = {"version": version, "optional_services": optional_services, "consent_version": consent_version,
                "consent_accepted": consent_accepted, "mark_kind": mark_kind, "mark": mark}
        return self._object(self._call("POST", f"/proposals/{self._segment(proposal_id)}/signature",
                                       expect=(201,), json=body))

    def signed_pdf(self, proposal_id: str) -> tuple[bytes, str]:
        response = self._call("GET", f"/proposals/{self._segment(proposal_id)}/signed.pdf")
        if response.headers.get("Content-Type", "").split(";")[0] != "application/pdf":
            raise SigningUnavailable("not a PDF")
        return response.content, response.headers.get("Content-Disposition", "inline")

    def verify(self, filename: str, data: bytes) -> dict[str, Any]:
        return self._object(self._call("POST", "/proposals/verify",
                                       files={"file": (filename or "proposal.pdf", data, "application/pdf")}))


def proposal_signing() -> SigningClient:
    return current_app.extensions["proposal_signing_client"]
