"""The probes from outside that used to answer 500 (issue 7, part 5), sent to the real portal-config app:
each is now a 4xx problem+json."""
from __future__ import annotations

import json

import pytest

from portal_testkit.pytest_plugin import assert_problem

pytestmark = pytest.mark.integration
PROBLEM_JSON = "application/problem+json"


def test_a_company_name_longer_than_its_column_is_a_422(client, operator):
    problem = assert_problem(client.post("/companies", headers=operator, json={"name": "n" * 201}), 422)
    assert set(problem["errors"]) == {"name"}


def test_an_email_longer_than_its_column_is_a_422(client, operator):
    email = "a" * 310 + "@example.com"
    problem = assert_problem(client.post("/companies", headers=operator, json={"name": "x", "contact_email": email}),
                             422)
    assert set(problem["errors"]) == {"contact_email"}


def test_nul_in_a_json_string_is_a_400_problem(client, operator):
    assert_problem(client.post("/companies", headers=operator, json={"name": "Green\u0000Acres"}), 400,
                   "control_character")


@pytest.mark.parametrize("page", ["922337203685477582", "1000001"])
def test_a_page_whose_offset_overflows_the_database_is_a_422_naming_page(client, operator, page):
    problem = assert_problem(client.get(f"/companies?page={page}", headers=operator), 422, "validation_failed")
    assert set(problem["errors"]) == {"page"}


def test_an_integer_past_64_bits_in_the_path_is_a_404_problem(client, portal):
    p = portal()
    url = f"/branches/{p.branch_id}/settings/versions/" + "9" * 25
    assert_problem(client.get(url, headers=p.headers), 404, "not_found")


def test_an_integer_past_the_columns_32_bits_in_the_path_is_a_404_problem(client, portal):
    p = portal()
    url = f"/branches/{p.branch_id}/settings/versions/{2**31}"
    assert_problem(client.get(url, headers=p.headers), 404, "not_found")


def test_json_nested_1000_deep_is_a_400_problem(client, portal):
    p = portal()
    body = '{"dashboard_text": ' + "[" * 1000 + "]" * 1000 + "}"
    response = client.put(f"/branches/{p.branch_id}/settings", headers={**p.headers, "Content-Type": "application/json"},
                          data=body)
    assert_problem(response, 400, "json_too_deep")


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_non_standard_json_numbers_are_a_400_problem(client, portal, constant):
    p = portal()
    response = client.put(f"/branches/{p.branch_id}/settings", headers={**p.headers, "Content-Type": "application/json"},
                          data='{"card_convenience_fee_percent": %s}' % constant)
    assert_problem(response, 400, "invalid_json")


def test_a_settings_text_keeps_its_line_breaks_and_tabs(client, portal):
    p = portal()
    response = client.put(f"/branches/{p.branch_id}/settings", headers=p.headers,
                          json={"dashboard_text": "Line one\r\n\tLine two"})
    assert response.status_code == 200, response.get_json()


def test_nul_in_the_query_string_is_a_400_problem(client, operator):
    assert_problem(client.get("/companies?page=1%00", headers=operator), 400, "bad_query")


def test_the_openapi_document_promises_problem_json_for_errors_and_a_string_x_pagination(client):
    spec = client.get("/openapi.json").get_json()
    assert spec["components"]["headers"]["PAGINATION"]["schema"]["type"] == "string"
    text = json.dumps(spec["components"]["responses"])
    assert "application/json" not in text and PROBLEM_JSON in text
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            statuses = set(operation["responses"])
            assert any(s.startswith("2") or s.startswith("3") for s in statuses), f"{method} {path}: no success"
            assert "400" in statuses and "default" in statuses, f"{method} {path}"
