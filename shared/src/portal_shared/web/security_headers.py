"""The browser-facing safety headers every response carries, written once.

- every response: `X-Content-Type-Options: nosniff` and a `Referrer-Policy`;
- every HTML response: a Content-Security-Policy with no inline script or style (scripts,
  styles and fonts from our own origin only, images also over https; nothing may frame the page) and
  `X-Frame-Options: DENY` for browsers that predate `frame-ancestors`.

A response that already names its own policy keeps it (portal-web's settings preview may be
framed by its own origin; an uploaded image says `default-src 'none'`). Services get this from
`create_service_app`; the gateway applies it to its own answers and to what it passes on.
"""
from __future__ import annotations

from flask import Flask, Response

REFERRER_POLICY = "same-origin"


def content_security_policy(*, frame_ancestors: str = "'none'", style_nonce: str | None = None,
                            frame_src: str | None = None) -> str:
    """The portal's policy for an HTML page. `style_nonce` allows one inline <style> carrying it;
    `frame_src` the one origin the page may frame (the payment processor's hosted tokenizer)."""
    styles = "'self'" + (f" 'nonce-{style_nonce}'" if style_nonce else "")
    return "; ".join([
        "default-src 'self'",
        "script-src 'self'",
        f"style-src {styles}",
        # Logos and slides are ours (/api/portal-config/assets/…), but settings accept https links too.
        "img-src 'self' data: https:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        f"frame-ancestors {frame_ancestors}",
        *([f"frame-src {frame_src}"] if frame_src else []),
    ])


STRICT_HTML_POLICY = content_security_policy()


def secure_response(response: Response, *, policy: str = STRICT_HTML_POLICY) -> Response:
    """Add the headers (keeping any the response set itself)."""
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", REFERRER_POLICY)
    if response.mimetype == "text/html":
        headers.setdefault("Content-Security-Policy", policy)
        if "frame-ancestors 'none'" in headers["Content-Security-Policy"]:
            headers.setdefault("X-Frame-Options", "DENY")
    return response


def init_security_headers(app: Flask) -> None:
    # Registered first by the factories, so it runs last: the app's own after_request choices win.
    app.after_request(secure_response)
