"""The shared input guard and bounded converters, on a real service app built by create_service_app."""
from __future__ import annotations

import json

import pytest
from flask_smorest import Blueprint

from portal_shared.errors import PROBLEM_JSON
from portal_shared.web import create_service_app
from portal_shared.web.guards import MAX_JSON_DEPTH, MAX_PATH_INT, MAX_PATH_SEGMENT


@pytest.fixture
def client():
    app, api = create_service_app(__name__, service="guards", internal_token_secret="s" * 40,
                                  config={"MAX_CONTENT_LENGTH": 64 * 1024})
    blp = Blueprint("things", __name__, url_prefix="/")

    @blp.route("/things/<int:n>", methods=["GET"])
    def by_number(n):
        return {"n": n}

    @blp.route("/names/<name>", methods=["POST"])
    def by_name(name):
        from flask import request
        return {"name": name, "body": request.get_json()}

    api.register_blueprint(blp)
    return app.test_client()


def code_of(response, status: int) -> str:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM_JSON
    return response.get_json()["code"]


def test_an_integer_segment_up_to_the_integer_column_matches_and_past_it_is_a_404(client):
    assert client.get(f"/things/{MAX_PATH_INT}").get_json() == {"n": MAX_PATH_INT}
    assert code_of(client.get(f"/things/{MAX_PATH_INT + 1}"), 404) == "not_found"
    assert code_of(client.get("/things/" + "9" * 30), 404) == "not_found"


def test_a_text_segment_is_bounded(client):
    assert client.post("/names/" + "a" * MAX_PATH_SEGMENT, json={}).status_code == 200
    assert code_of(client.post("/names/" + "a" * (MAX_PATH_SEGMENT + 1), json={}), 404) == "not_found"


@pytest.mark.parametrize("path", ["/names/a%00b", "/names/a%01b", "/names/a%7Fb"])
def test_control_characters_in_the_path_are_a_400(client, path):
    assert code_of(client.post(path, json={}), 400) == "bad_path"


@pytest.mark.parametrize("query", ["q=%00", "q%00=1", "q=a%0Ab"])
def test_control_characters_in_the_query_are_a_400(client, query):
    assert code_of(client.get(f"/things/1?{query}"), 400) == "bad_query"


@pytest.mark.parametrize("text", ["a\u0000b", "a\u0001b", "a\u001bb", "a\u000bb"])
def test_control_characters_in_json_strings_are_a_400(client, text):
    assert code_of(client.post("/names/x", json={"text": text}), 400) == "control_character"
    assert code_of(client.post("/names/x", json={"list": [{text: 1}]}), 400) == "control_character"


def test_tabs_and_line_breaks_in_json_strings_are_kept(client):
    assert client.post("/names/x", json={"text": "one\r\n\ttwo"}).get_json()["body"] == {"text": "one\r\n\ttwo"}


def test_json_at_the_depth_limit_passes_and_one_deeper_is_a_400(client):
    def nested(depth: int) -> str:
        return "[" * depth + "]" * depth

    ok = client.post("/names/x", data=nested(MAX_JSON_DEPTH), content_type="application/json")
    assert ok.status_code == 200
    too_deep = client.post("/names/x", data=nested(MAX_JSON_DEPTH + 1), content_type="application/json")
    assert code_of(too_deep, 400) == "json_too_deep"
    very_deep = client.post("/names/x", data=nested(5_000), content_type="application/json")
    assert code_of(very_deep, 400) == "json_too_deep"


@pytest.mark.parametrize("body", ["NaN", '{"a": Infinity}', "{", '{"a": 1' + "0" * 5000 + "}"])
def test_json_that_does_not_parse_as_standard_json_is_a_400(client, body):
    assert code_of(client.post("/names/x", data=body, content_type="application/json"), 400) == "invalid_json"


def test_a_body_over_the_cap_is_a_413_problem(client):
    body = json.dumps({"text": "x" * 70_000})
    assert code_of(client.post("/names/x", data=body, content_type="application/json"), 413) == "payload_too_large"
