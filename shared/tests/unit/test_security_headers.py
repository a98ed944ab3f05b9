"""Every service answer carries nosniff and a Referrer-Policy; HTML also a CSP that forbids inline
script and framing. A response's own policy wins."""
from __future__ import annotations

import uuid

from flask import Response

from portal_shared.web import create_service_app
from portal_shared.web.security_headers import STRICT_HTML_POLICY, content_security_policy


def _app():
    app, _api = create_service_app(__name__, service=f"unit-{uuid.uuid4().hex[:8]}",
                                   internal_token_secret="unit-test-internal-secret-0123456789abcdef")

    @app.get("/page")
    def page():
        return Response("<p>hi</p>", mimetype="text/html")

    @app.get("/framed")
    def framed():
        return Response("<p>framed</p>", mimetype="text/html",
                        headers={"Content-Security-Policy": content_security_policy(frame_ancestors="'self'")})
    return app.test_client()


def test_json_answers_and_problems_carry_nosniff_and_a_referrer_policy():
    client = _app()
    for path in ("/healthz", "/no-such-path", "/openapi.json"):
        response = client.get(path)
        assert response.headers["X-Content-Type-Options"] == "nosniff", path
        assert response.headers["Referrer-Policy"] == "same-origin", path
        assert "Content-Security-Policy" not in response.headers  # policies are for documents


def test_an_html_answer_gets_a_policy_without_inline_script_that_forbids_framing():
    response = _app().get("/page")
    policy = response.headers["Content-Security-Policy"]
    assert policy == STRICT_HTML_POLICY
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_page_that_names_its_own_policy_keeps_it():
    response = _app().get("/framed")
    assert "frame-ancestors 'self'" in response.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in response.headers


def test_a_style_nonce_allows_exactly_that_inline_style():
    policy = content_security_policy(style_nonce="abc123")
    assert "style-src 'self' 'nonce-abc123'" in policy
    assert "script-src 'self';" in policy
