"""The identity service's HTTP API (docs/identity-api.md), as portal-web calls it.

One pooled `requests.Session` per app. Every call forwards the `X-Portal-Identity` and
`X-Request-ID` headers of the request being served: identity takes tenant, branch, client IP
and the signed-in account from that token only. Timeouts: connect 2 s, read 10 s.

Only GETs are retried (tenacity: connection failures and 502/503/504), because only they are
idempotent; a POST or PATCH that failed may still have been applied, so it is never repeated.

Answers of 4xx raise `IdentityError(status, code, detail, errors)` from the problem+json body;
an unreachable identity, or one answering 5xx, raises `IdentityUnavailable` (a 503 page).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import requests
from flask import current_app
from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_exponential

from portal_shared.logging import get_logger
from portal_web.adapters.http import ServiceClient, problem_body

log = get_logger(__name__)
RETRYABLE_STATUSES = frozenset({502, 503, 504})


class IdentityError(Exception):
    """A problem+json answer of the identity service."""

    def __init__(self, status: int, code: str, detail: str | None = None,
                 errors: dict[str, list[str]] | None = None, *, retry_after: str | None = None):
        super().__init__(f"identity answered {status} {code}: {detail or ''}".strip())
        self.status = status
        self.code = code
        self.detail = detail
        self.errors = errors or {}
        self.retry_after = retry_after


class IdentityUnavailable(Exception):
    """Identity could not be reached in time, or failed on its side. Not an IdentityError on
    purpose: views handle identity's answers, and this propagates to the one 503 page."""

    def __init__(self, detail: str, status: int = 503):
        super().__init__(detail)
        self.status = status
        self.detail = detail


class _RetryableAnswer(Exception):
    def __init__(self, response: requests.Response):
        super().__init__(f"HTTP {response.status_code}")
        self.response = response


@dataclass(frozen=True)
class Page:
    """One page of a list answer, with flask-smorest's X-Pagination header decoded."""

    items: list[dict]
    pagination: dict[str, Any] = field(default_factory=dict)


def error_from_response(response: requests.Response) -> IdentityError | IdentityUnavailable:
    status = response.status_code
    body = problem_body(response)
    errors = body.get("errors") if isinstance(body.get("errors"), dict) else {}
    normalised = {str(k): [str(m) for m in (v if isinstance(v, list) else [v])] for k, v in errors.items()}
    if status >= 500:
        return IdentityUnavailable(body.get("detail") or f"identity answered HTTP {status}")
    return IdentityError(status, str(body.get("code") or f"http_{status}"), body.get("detail"), normalised,
                         retry_after=response.headers.get("Retry-After"))


class IdentityClient(ServiceClient):
    def __init__(self, base_url: str, *, connect_timeout: float = 2.0, read_timeout: float = 10.0,
                 get_attempts: int = 3, retry_wait_seconds: float = 0.1, pool_size: int = 16):
        super().__init__(connect_timeout=connect_timeout, read_timeout=read_timeout, pool_size=pool_size)
        self.base_url = base_url.rstrip("/")
        self.get_attempts = max(1, get_attempts)
        self.retry_wait_seconds = retry_wait_seconds

    # -- transport ------------------------------------------------------------------------

    def _send(self, method: str, path: str, *, params: dict | None = None, body: Any = None,
              headers: dict[str, str] | None = None) -> requests.Response:
        url = self.base_url + path
        try:
            response = self.session.request(method, url, params=params, json=body,
                                            headers={**self.forwarded_headers(), **(headers or {})},
                                            timeout=self.timeout, allow_redirects=False)
        except requests.ReadTimeout as exc:
            log.warning("identity_timeout", method=method, path=path)
            raise IdentityUnavailable(f"identity did not answer in time: {exc}", status=504) from exc
        except requests.ConnectionError as exc:  # refused, reset, or no connection within 2 s
            log.warning("identity_unreachable", method=method, path=path)
            raise IdentityUnavailable(f"identity is unreachable: {exc}") from exc
        except requests.RequestException as exc:  # a broken answer
            log.warning("identity_failed", method=method, path=path, error=str(exc))
            raise IdentityUnavailable(f"identity's answer was broken: {exc}", status=502) from exc
        return response

    def _get(self, path: str, params: dict | None = None, headers: dict[str, str] | None = None) -> requests.Response:
        def attempt() -> requests.Response:
            response = self._send("GET", path, params=params, headers=headers)
            if response.status_code in RETRYABLE_STATUSES:
                raise _RetryableAnswer(response)
            return response

        retrying = Retrying(
            stop=stop_after_attempt(self.get_attempts),
            wait=wait_exponential(multiplier=self.retry_wait_seconds, max=2),
            retry=retry_if_exception(_worth_retrying),
            reraise=True,
        )
        try:
            response = retrying(attempt)
        except _RetryableAnswer as exc:
            response = exc.response
        return self._checked(response)

    def _write(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
               ) -> requests.Response:
        return self._checked(self._send(method, path, body=body, headers=headers))

    @staticmethod
    def _checked(response: requests.Response) -> requests.Response:
        if response.status_code >= 400:
            raise error_from_response(response)
        return response

    @staticmethod
    def _json(response: requests.Response) -> dict:
        if response.status_code == 204 or not response.content:
            return {}
        try:
            data = response.json()
        except ValueError as exc:
            raise IdentityUnavailable("identity answered something other than JSON", status=502) from exc
        return data if isinstance(data, dict) else {"items": data}

    # -- customer -------------------------------------------------------------------------

    def customer_sign_in(self, email: str, password: str) -> dict:
        return self._json(self._write("POST", "/customer/sessions", {"email": email, "password": password}))

    def end_session(self, session_id: str) -> None:
        self._write("POST", "/sessions/end", {"session_id": session_id})

    def customer_me(self, *, headers: dict[str, str] | None = None) -> dict:
        """The signed-in customer's account. `headers`: the request's forwarded headers, read beforehand by a
        caller that asks from another thread (which has no request context of its own)."""
        return self._json(self._get("/customer/me", headers=headers))

    def update_customer_me(self, **changes: str) -> dict:
        return self._json(self._write("PATCH", "/customer/me", changes))

    def change_password(self, current_password: str, new_password: str) -> None:
        self._write("POST", "/customer/password", {"current_password": current_password,
                                                   "new_password": new_password})

    def request_password_reset(self, email: str) -> None:
        self._write("POST", "/password-resets", {"email": email})

    def password_reset(self, token: str) -> dict:
        return self._json(self._get(f"/password-resets/{self._segment(token)}"))

    def complete_password_reset(self, token: str, new_password: str) -> None:
        self._write("POST", f"/password-resets/{self._segment(token)}", {"new_password": new_password})

    def invitation(self, token: str) -> dict:
        return self._json(self._get(f"/invitations/{self._segment(token)}"))

    def accept_invitation(self, token: str, *, first_name: str, last_name: str, password: str) -> dict:
        return self._json(self._write("POST", f"/invitations/{self._segment(token)}/accept",
                                      {"first_name": first_name, "last_name": last_name, "password": password}))

    # -- staff ----------------------------------------------------------------------------

    def staff_sign_in(self, email: str, password: str) -> dict:
        return self._json(self._write("POST", "/staff/sessions", {"email": email, "password": password}))

    def staff_me(self) -> dict:
        return self._json(self._get("/staff/me"))

    def staff_contacts(self, *, q: str | None = None, verified: bool | None = None,
                       contact_ids: list[str] | None = None, page: int = 1, page_size: int = 25) -> Page:
        """This branch's contacts; with `contact_ids`, only those (`contact_id` repeats once per id)."""
        params: dict[str, Any] = {"page": page, "page_size": page_size}
        if q:
            params["q"] = q
        if verified is not None:
            params["verified"] = "true" if verified else "false"
        if contact_ids:
            params["contact_id"] = list(contact_ids)
        response = self._get("/staff/contacts", params)
        data = self._json(response)
        items = list(data.get("items") or [])
        try:
            pagination = json.loads(response.headers.get("X-Pagination") or "{}")
        except ValueError:
            pagination = {}
        return Page(items=items, pagination=pagination if isinstance(pagination, dict) else {})

    def invitation_template(self) -> dict:
        return self._json(self._get("/staff/invitation-template"))

    def start_invitation_batch(self, *, idempotency_key: str, subject: str, body: str, recipients: list[dict]) -> dict:
        """Identity accepts the invitations at once (202) and sends them in its worker. The key is the form's:
        posting the same form again (a retry, a double click) finds the same batch instead of a second one,
        which is why this POST, unlike the others, is safe to repeat."""
        return self._json(self._write("POST", "/staff/invitation-batches",
                                      {"subject": subject, "body": body, "recipients": recipients},
                                      headers={"Idempotency-Key": idempotency_key}))

    def invitation_batch(self, batch_id: str) -> dict:
        return self._json(self._get(f"/staff/invitation-batches/{self._segment(batch_id)}"))


def _worth_retrying(exc: BaseException) -> bool:
    """502/503/504 answers and connection failures; not a read timeout, which has already cost 10 s."""
    if isinstance(exc, _RetryableAnswer):
        return True
    return isinstance(exc, IdentityUnavailable) and exc.status != 504


def identity() -> IdentityClient:
    """The app's identity client."""
    return current_app.extensions["identity_client"]
