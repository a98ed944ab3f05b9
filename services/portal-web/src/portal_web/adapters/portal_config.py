"""portal-config's settings API, as portal-web calls it.

- `GET /internal/settings` (a service identity token): every branch's `{branch_id, version, settings}`,
  for the BrandingCache's snapshot. Customer pages never call portal-config.
- The staff settings page, forwarding the request's `X-Portal-Identity` (portal-config authorises
  from the staff session claims in it) and `X-Request-ID`:
  `GET /branches/<id>/settings`, `POST /branches/<id>/settings/check` → `{errors, warnings, settings}`,
  `PUT /branches/<id>/settings` → `{settings, version, warnings}` (422 with `errors` naming fields),
  `POST /branches/<id>/assets` (multipart `file` + `kind`) → `{asset_id, url}`.

Answers of 4xx raise `PortalConfigError` (problem+json decoded, field errors flattened to
`name` / `carousel.0.link`); unreachable, slow or 5xx raises `PortalConfigUnavailable`.
Nothing is retried: a staff member's Save either happened or they see that it did not.
"""
from __future__ import annotations

from typing import Any

import requests
from flask import current_app

from portal_shared.identity_token import HEADER as IDENTITY_HEADER
from portal_shared.logging import get_logger
from portal_web.adapters.http import ServiceClient, problem_body

log = get_logger(__name__)
ASSET_KINDS = ("login_logo", "nav_logo", "carousel")


class PortalConfigError(Exception):
    def __init__(self, status: int, code: str, detail: str | None = None, errors: dict[str, list[str]] | None = None):
        super().__init__(f"portal-config answered {status} {code}: {detail or ''}".strip())
        self.status = status
        self.code = code
        self.detail = detail
        self.errors = errors or {}


class PortalConfigUnavailable(Exception):
    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail


def flatten_errors(errors: Any, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow-style errors (nested dicts and lists) as {"field" or "carousel.0.link": [messages]}."""
    flat: dict[str, list[str]] = {}
    if isinstance(errors, dict):
        for key, value in errors.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            for k, v in flatten_errors(value, name).items():
                flat.setdefault(k, []).extend(v)
    elif isinstance(errors, list):
        if all(isinstance(m, str) for m in errors):
            flat[prefix or "_schema"] = list(errors)
        else:
            for index, item in enumerate(errors):
                name = f"{prefix}.{index}" if prefix else str(index)
                for k, v in flatten_errors(item, name).items():
                    flat.setdefault(k, []).extend(v)
    elif errors is not None:
        flat[prefix or "_schema"] = [str(errors)]
    return flat


class PortalConfigClient(ServiceClient):
    def __init__(self, base_url: str, *, connect_timeout: float = 2.0, read_timeout: float = 10.0,
                 pool_size: int = 8):
        super().__init__(connect_timeout=connect_timeout, read_timeout=read_timeout, pool_size=pool_size)
        self.base_url = base_url.rstrip("/")

    def _send(self, method: str, path: str, *, headers: dict[str, str] | None = None, **kwargs) -> requests.Response:
        try:
            response = self.session.request(method, self.base_url + path,
                                            headers=headers or self.forwarded_headers(), timeout=self.timeout,
                                            allow_redirects=False, **kwargs)
        except requests.RequestException as exc:
            log.warning("portal_config_unreachable", method=method, path=path, error=type(exc).__name__)
            raise PortalConfigUnavailable(f"portal-config did not answer: {type(exc).__name__}") from exc
        if response.status_code >= 500:
            log.warning("portal_config_failed", method=method, path=path, status=response.status_code)
            raise PortalConfigUnavailable(f"portal-config answered HTTP {response.status_code}")
        if response.status_code >= 400:
            raise _error(response)
        return response

    @staticmethod
    def _json(response: requests.Response) -> Any:
        try:
            return response.json()
        except ValueError as exc:
            raise PortalConfigUnavailable("portal-config answered something other than JSON") from exc

    def _object(self, response: requests.Response) -> dict:
        data = self._json(response)
        if not isinstance(data, dict):
            raise PortalConfigUnavailable("portal-config answered an unexpected shape")
        return data

    # -- the read model's snapshot -----------------------------------------------------------

    def settings_snapshot(self, service_token: str) -> list[dict]:
        response = self._send("GET", "/internal/settings",
                              headers={IDENTITY_HEADER: service_token, "Accept": "application/json"})
        data = self._json(response)
        rows = data.get("items") if isinstance(data, dict) else data
        if not isinstance(rows, list):
            raise PortalConfigUnavailable("portal-config's settings snapshot is not a list")
        return rows

    # -- the staff settings page -------------------------------------------------------------

    def branch_settings(self, branch_id: str) -> dict:
        return self._object(self._send("GET", f"/branches/{self._segment(branch_id)}/settings"))

    def check_settings(self, branch_id: str, body: dict) -> dict:
        return self._object(self._send("POST", f"/branches/{self._segment(branch_id)}/settings/check", json=body))

    def save_settings(self, branch_id: str, body: dict) -> dict:
        return self._object(self._send("PUT", f"/branches/{self._segment(branch_id)}/settings", json=body))

    def upload_asset(self, branch_id: str, *, kind: str, filename: str, stream, content_type: str | None) -> dict:
        if kind not in ASSET_KINDS:
            raise ValueError(f"unknown asset kind {kind!r}")
        files = {"file": (filename or "upload", stream, content_type or "application/octet-stream")}
        return self._object(self._send("POST", f"/branches/{self._segment(branch_id)}/assets", files=files,
                                       data={"kind": kind}))


def _error(response: requests.Response) -> PortalConfigError:
    body = problem_body(response)
    errors = body.get("errors")
    if errors is None and isinstance(body.get("detail"), dict):  # webargs' 422: {"json": {...}}
        errors = body["detail"]
    flat = flatten_errors(errors) if errors else {}
    # flask-smorest nests body errors under the location ("json"); the fields are what matter.
    flat = {k.split(".", 1)[1] if k.startswith(("json.", "form.", "files.")) else k: v for k, v in flat.items()}
    detail = body.get("detail") if isinstance(body.get("detail"), str) else body.get("message")
    return PortalConfigError(response.status_code, str(body.get("code") or f"http_{response.status_code}"),
                             detail if isinstance(detail, str) else None, flat)


def portal_config() -> PortalConfigClient:
    return current_app.extensions["portal_config_client"]
