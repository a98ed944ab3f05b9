"""The sandbox's Flask app: CardPointe's Gateway REST API under /cardconnect/rest/, CardSecure's
tokenize call and the hosted tokenizer page under /itoke/, and control endpoints under /sandbox/.

The REST API wants HTTP Basic auth with the configured user and password and the configured
merchant id in every body or path, like CardPointe. The tokenizer page and CardSecure's
tokenize call need no credentials (the real ones do not either: they are the browser's). The
control endpoints exist only here, for tests and for a developer at the keyboard.
"""
from __future__ import annotations

import hmac
import time
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, Response, jsonify, request, send_from_directory

from portal_payment_sandbox.processor import INVALID_AMOUNT, Sandbox, error_response

STATIC = Path(__file__).parent / "static"
# The page runs no inline script or style; it may be framed by any page (the portal's origin differs
# per company), which a real deployment narrows with --frame-ancestors.
TOKENIZER_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
                 "form-action 'none'; base-uri 'none'; frame-ancestors {ancestors}")


@dataclass(frozen=True)
class Credentials:
    username: str = "testing"
    password: str = "testing123"


def create_app(sandbox: Sandbox, credentials: Credentials = Credentials(), frame_ancestors: str = "*") -> Flask:
    app = Flask(__name__, static_folder=None)

    def authorised() -> bool:
        auth = request.authorization
        return bool(auth and auth.username == credentials.username
                    and hmac.compare_digest(auth.password or "", credentials.password))

    @app.before_request
    def require_basic_auth():
        if request.path.startswith("/cardconnect/rest/") and request.path != "/cardconnect/rest/" \
                and not authorised():
            return Response("Unauthorized", 401, {"WWW-Authenticate": 'Basic realm="CardConnect"'})
        return None

    def json_object() -> dict | None:
        """The request's JSON object; None for no JSON, malformed JSON, or another JSON value (a list, "NaN")."""
        body = request.get_json(silent=True)
        return body if isinstance(body, dict) else None

    def bad_request(resptext: str) -> Response:
        # A request the processor cannot read is the caller's error (400), never the sandbox's (500).
        response = jsonify(error_response(resptext))
        response.status_code = 400
        return response

    def body_for_merchant() -> tuple[dict | None, Response | None]:
        body = json_object()
        if body is None:
            return None, bad_request("Invalid request body")
        if str(body.get("merchid", "")) != sandbox.merchid:
            return None, jsonify(error_response("Invalid merchant", respcode="19"))
        return body, None

    @app.get("/cardconnect/rest/")
    def hello():
        # CardPointe answers a GET of the base URL with this text; it is the cheapest connection test.
        return Response("CardConnect REST Servlet", mimetype="text/html")

    @app.put("/cardconnect/rest/auth")
    @app.post("/cardconnect/rest/auth")
    def auth():
        body, problem = body_for_merchant()
        if problem:
            return problem
        response, delay = sandbox.authorize(body)
        if response.get("resptext") == INVALID_AMOUNT:
            return bad_request(INVALID_AMOUNT)
        if delay:
            time.sleep(delay)  # recorded already: an inquiry made meanwhile finds it
        return jsonify(response)

    @app.put("/cardconnect/rest/void")
    @app.post("/cardconnect/rest/void")
    def void():
        body, problem = body_for_merchant()
        return problem or jsonify(sandbox.void(body))

    @app.put("/cardconnect/rest/refund")
    @app.post("/cardconnect/rest/refund")
    def refund():
        body, problem = body_for_merchant()
        if problem:
            return problem
        answer = sandbox.refund(body)
        return bad_request(INVALID_AMOUNT) if answer.get("resptext") == INVALID_AMOUNT else jsonify(answer)

    @app.get("/cardconnect/rest/inquireByOrderid/<orderid>/<merchid>")
    def inquire_by_orderid(orderid: str, merchid: str):
        if merchid != sandbox.merchid:
            return jsonify(error_response("Invalid merchant", respcode="19"))
        found = sandbox.inquire_by_orderid(orderid)
        if not found:
            return jsonify(error_response("Txn not found", respcode="29"))
        # One match is an object, several an array, as CardPointe answers.
        return jsonify(found[0] if len(found) == 1 else found)

    @app.put("/cardconnect/rest/profile")
    @app.post("/cardconnect/rest/profile")
    def create_profile():
        body, problem = body_for_merchant()
        return problem or jsonify(sandbox.create_profile(body))

    @app.get("/cardconnect/rest/profile/<profileid>/<acctid>/<merchid>")
    @app.get("/cardconnect/rest/profile/<profileid>//<merchid>", defaults={"acctid": ""})
    def get_profile(profileid: str, acctid: str, merchid: str):
        if merchid != sandbox.merchid:
            return jsonify(error_response("Invalid merchant", respcode="19"))
        found = sandbox.get_profile(profileid, acctid)
        return jsonify(found or [error_response("Profile not found", respcode="96")])

    @app.delete("/cardconnect/rest/profile/<profileid>/<acctid>/<merchid>")
    @app.delete("/cardconnect/rest/profile/<profileid>//<merchid>", defaults={"acctid": ""})
    def delete_profile(profileid: str, acctid: str, merchid: str):
        if merchid != sandbox.merchid:
            return jsonify(error_response("Invalid merchant", respcode="19"))
        return jsonify(sandbox.delete_profile(profileid, acctid))

    # -- CardSecure and the hosted tokenizer ------------------------------------------------------

    @app.post("/cardsecure/api/v1/ccn/tokenize")
    def tokenize():
        body = json_object()
        if body is None:
            response = jsonify(errorcode=1, message="Invalid request body", token="")
            response.status_code = 400
            return response
        account = str(body.get("account") or "").replace(" ", "")
        if not account:
            return jsonify(errorcode=1, message="Account is required", token="")
        return jsonify(errorcode=0, message="", token=sandbox.tokenize(account))

    def tokenizer_file(name: str) -> Response:
        response = send_from_directory(STATIC, name, max_age=0)
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    @app.get("/itoke/ajax-tokenizer.html")
    def tokenizer_page():
        response = tokenizer_file("ajax-tokenizer.html")
        response.headers["Content-Security-Policy"] = TOKENIZER_CSP.format(ancestors=frame_ancestors)
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    @app.get("/itoke/<any('ajax-tokenizer.js', 'ajax-tokenizer.css'):name>")
    def tokenizer_asset(name: str):
        return tokenizer_file(name)

    # -- control (sandbox only) ---------------------------------------------------------------------

    @app.get("/sandbox/auths")
    def list_auths():
        found = sandbox.auths(request.args.get("orderid"))
        return jsonify(count=len(found), auths=found)

    @app.post("/sandbox/ach/<retref>/<any(settle, return):action>")
    def force_ach(retref: str, action: str):
        code = (json_object() or {}).get("code") or request.args.get("code") or "R01"
        result = sandbox.force_ach(retref, "settled" if action == "settle" else "returned", str(code))
        if result is None:
            return jsonify(error=f"no ACH debit with retref {retref}"), 404
        return jsonify(result)

    @app.get("/livez")
    def livez():
        return jsonify(status="alive")

    return app
