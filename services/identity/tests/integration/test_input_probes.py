"""The probes from outside that used to answer 500 (issue 7, part 5), sent to the real identity app.

Each must now be a 4xx problem+json: text longer than its column, NUL in JSON, query and path, a
sign-in body that is not a JSON object (the rate limiter's key reads it first), JSON nested 1,000
deep, a page whose offset would overflow the database.
"""
from __future__ import annotations

import pytest

from portal_testkit.pytest_plugin import assert_problem

pytestmark = pytest.mark.integration


@pytest.fixture
def key_headers(client, operator, world, bearer):
    response = client.post(f"/staff/operator/companies/{world.tenant_a}/api-keys", headers=operator,
                           json={"name": "probe", "scopes": ["contacts:write", "properties:write"]})
    assert response.status_code == 201, response.get_json()
    return bearer(response.get_json()["key"])  # as the gateway forwards it


@pytest.mark.parametrize("field", ["first_name", "last_name"])
def test_a_101_character_name_is_a_422_naming_the_field(client, key_headers, field):
    body = {"email": "long.name@example.com", field: "n" * 101}
    problem = assert_problem(client.put("/integration/contacts/crm-1", headers=key_headers, json=body), 422,
                             "validation_failed")
    assert set(problem["errors"]) == {field}


def test_a_100_character_name_is_stored(client, key_headers):
    response = client.put("/integration/contacts/crm-1", headers=key_headers,
                          json={"email": "long.name@example.com", "first_name": "n" * 100})
    assert response.status_code == 200, response.get_json()


def test_a_150_character_city_is_a_422(client, key_headers):
    body = {"branch_slug": "alpha-south", "name": "Hilltop", "city": "c" * 150}
    problem = assert_problem(client.put("/integration/properties/crm-p-1", headers=key_headers, json=body), 422)
    assert set(problem["errors"]) == {"city"}


@pytest.mark.parametrize("path", ["/integration/contacts/", "/integration/properties/"])
def test_a_101_character_external_id_in_the_path_is_a_404_problem(client, key_headers, path):
    assert_problem(client.put(path + "x" * 101, headers=key_headers, json={}), 404, "not_found")


def test_nul_in_a_json_string_is_a_400_problem(client, key_headers):
    response = client.put("/integration/contacts/crm-1", headers=key_headers,
                          json={"email": "nul@example.com", "first_name": "Nu\u0000ll"})
    assert_problem(response, 400, "control_character")


def test_nul_in_a_json_key_is_a_400_problem(client, identity):
    response = client.post("/customer/sessions", headers=identity("a1"), json={"em\u0000ail": "x@example.com"})
    assert_problem(response, 400, "control_character")


def test_nul_in_the_query_string_is_a_400_problem(client, staff_session):
    assert_problem(client.get("/staff/contacts?q=a%00b", headers=staff_session("a1", "admin")), 400, "bad_query")


def test_nul_in_the_path_is_a_400_problem(client, key_headers):
    assert_problem(client.put("/integration/contacts/crm%00-1", headers=key_headers,
                              json={"email": "nul@example.com"}), 400, "bad_path")


@pytest.mark.parametrize("body", ["[]", '["a@example.com", "pw"]', '"a@example.com"', "42", "null", "true"])
@pytest.mark.parametrize("path", ["/customer/sessions", "/staff/sessions"])
def test_a_sign_in_body_that_is_not_an_object_is_a_422_not_a_500(client, identity, path, body):
    response = client.post(path, headers={**identity("a1"), "Content-Type": "application/json"}, data=body)
    assert_problem(response, 422, "validation_failed")


def test_json_nested_1000_deep_is_a_400_problem(client, identity):
    deep = '{"email": ' + "[" * 1000 + "]" * 1000 + "}"
    response = client.post("/customer/sessions", headers={**identity("a1"), "Content-Type": "application/json"},
                           data=deep)
    assert_problem(response, 400, "json_too_deep")


def test_a_page_whose_offset_overflows_the_database_is_a_422_naming_page(client, staff_session):
    response = client.get("/staff/contacts?page=922337203685477582", headers=staff_session("a1", "admin"))
    problem = assert_problem(response, 422, "validation_failed")
    assert set(problem["errors"]) == {"page"}


def test_a_page_past_the_last_one_is_empty(client, staff_session):
    response = client.get("/staff/contacts?page=999999", headers=staff_session("a1", "admin"))
    assert response.status_code == 200
    assert response.get_json() == []


def test_an_integer_past_64_bits_in_a_uuid_path_is_a_404_problem(client, staff_session):
    assert_problem(client.delete("/staff/api-keys/" + "9" * 25, headers=staff_session("a1", "admin")), 404)
