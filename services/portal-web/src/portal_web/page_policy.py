"""The Content-Security-Policy of portal-web's pages (ADR 0015).

Scripts and stylesheets come from /static only. The one inline element is the branch's
`<style id="branding">` (its colours and fonts, so the first paint is branded): it carries this
page's nonce, and the policy allows that nonce and nothing else inline. The settings preview is
the one page its own origin may frame (`allow_framing_by_this_origin`); settings.js gives the
previews it loads into the frame the settings page's nonce, since a `srcdoc` document lives
under its parent's policy. The pages that hold the processor's hosted tokenizer (card fields on the
processor's origin, ADR 0021) allow that one origin in `frame-src` (`allow_frame_from`); every
other page frames only itself (`default-src 'self'`).
"""
from __future__ import annotations

import secrets

from flask import Flask, g

from portal_shared.web.security_headers import content_security_policy


def csp_nonce() -> str:
    """This response's nonce, made on first use (templates call it)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def allow_framing_by_this_origin() -> None:
    g.csp_frame_ancestors = "'self'"


def allow_frame_from(origin: str) -> None:
    """This page frames the payment processor's hosted tokenizer: `frame-src` names its origin, and only it."""
    g.csp_frame_src = origin


def init_page_policy(app: Flask) -> None:
    app.jinja_env.globals["csp_nonce"] = csp_nonce

    @app.after_request
    def _policy(response):
        if response.mimetype == "text/html":
            response.headers.setdefault("Content-Security-Policy", content_security_policy(
                style_nonce=g.get("csp_nonce"), frame_ancestors=g.get("csp_frame_ancestors", "'none'"),
                frame_src=g.get("csp_frame_src")))
        return response
