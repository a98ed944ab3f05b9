"""Customer sign-in: one answer for every failure, sessions in Redis bound to tenant and branch,
properties decide which branch portals let a customer in, and rate limits that slow a guesser
without locking the real customer out."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

pytestmark = pytest.mark.integration

OTHER_IP = "198.51.100.23"


def sign_in(client, headers, email, password):
    return client.post("/customer/sessions", json={"email": email, "password": password}, headers=headers)


def test_the_right_password_answers_201_and_creates_a_session_in_redis_for_that_contact_tenant_and_branch(
        client, identity, sessions, world):
    camilla = world.contacts["camilla"]
    response = sign_in(client, identity("a1"), "  Camilla@Example.com ", camilla.password)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["contact_id"] == camilla.id
    live = sessions.get(body["session_id"])
    assert (live.kind, live.account_id, live.tenant_id, live.branch_id) == (
        "customer", camilla.id, world.tenant_a, world.branches["a1"]["id"])


def test_wrong_password_unknown_email_and_unverified_contact_all_get_the_identical_401(
        client, identity, world, db, cheap_passwords, without_request_id):
    dana = world.contacts["dana"]
    # Even an unverified contact who somehow holds a password is refused, with the same words.
    with db.unit_of_work() as session:
        session.execute(sa.text("UPDATE contacts SET password_hash = :h WHERE id = :id"),
                        {"h": cheap_passwords.hash("dana-real-passphrase"), "id": dana.id})
    answers = [sign_in(client, identity("a1"), world.contacts["camilla"].email, "not-her-passphrase"),
               sign_in(client, identity("a1"), "nobody@example.com", "whatever-passphrase"),
               sign_in(client, identity("a1"), dana.email, "dana-real-passphrase"),
               sign_in(client, identity("a1"), world.contacts["april"].email, "")]
    assert [a.status_code for a in answers] == [401, 401, 401, 401]
    bodies = [without_request_id(a.get_json()) for a in answers]
    assert bodies[0]["code"] == "invalid_credentials"
    assert all(b == bodies[0] for b in bodies), bodies


def test_a_verified_contact_with_no_property_in_this_branch_gets_403_and_the_same_credentials_work_on_a2(
        client, identity, sessions, world):
    walt = world.contacts["walt"]  # his only property is in a2
    refused = sign_in(client, identity("a1"), walt.email, walt.password)
    assert refused.status_code == 403
    assert refused.get_json()["code"] == "no_properties_in_branch"
    accepted = sign_in(client, identity("a2"), walt.email, walt.password)
    assert accepted.status_code == 201, accepted.get_json()
    assert sessions.get(accepted.get_json()["session_id"]).branch_id == world.branches["a2"]["id"]


def test_a_customer_with_properties_in_both_branches_signs_in_on_each(client, identity, world):
    camilla = world.contacts["camilla"]
    assert sign_in(client, identity("a1"), camilla.email, camilla.password).status_code == 201
    assert sign_in(client, identity("a2"), camilla.email, camilla.password).status_code == 201


def test_company_b_never_accepts_company_a_customer_and_says_so_exactly_as_for_an_unknown_email(
        client, identity, world, without_request_id):
    camilla = world.contacts["camilla"]
    theirs = sign_in(client, identity("b1"), camilla.email, camilla.password)
    unknown = sign_in(client, identity("b1"), "nobody@example.com", camilla.password)
    assert theirs.status_code == unknown.status_code == 401
    assert without_request_id(theirs.get_json()) == without_request_id(unknown.get_json())


def test_a_token_naming_a_branch_of_another_tenant_does_not_sign_in(client, identity, world):
    camilla = world.contacts["camilla"]
    # Branch a1 with company B's tenant: the contact is looked up in company B only.
    response = sign_in(client, identity("a1", tenant_id=world.tenant_b), camilla.email, camilla.password)
    assert response.status_code == 401


def test_sign_in_without_a_gateway_token_is_refused(client, world):
    camilla = world.contacts["camilla"]
    response = client.post("/customer/sessions", json={"email": camilla.email, "password": camilla.password})
    assert response.status_code == 400
    assert response.get_json()["code"] == "branch_required"


def test_ending_a_session_removes_it_from_redis(client, identity, sessions, customer_session, world):
    camilla = world.contacts["camilla"]
    session_id, _ = customer_session("a1", camilla.email, camilla.password)
    assert client.post("/sessions/end", json={"session_id": session_id}, headers=identity("a1")).status_code == 204
    assert sessions.get(session_id) is None
    assert client.post("/sessions/end", json={"session_id": "unknown"}, headers=identity("a1")).status_code == 204


# -- rate limits ----------------------------------------------------------------------------

def test_after_five_failures_for_one_email_from_one_address_the_sixth_attempt_is_429_with_retry_after(
        client, identity, world):
    camilla = world.contacts["camilla"]
    for attempt in range(5):
        response = sign_in(client, identity("a1"), camilla.email, f"guess-number-{attempt}")
        assert response.status_code == 401, (attempt, response.get_json())
    limited = sign_in(client, identity("a1"), camilla.email, "guess-number-5")
    assert limited.status_code == 429
    assert limited.get_json()["code"] == "rate_limited"
    assert int(limited.headers["Retry-After"]) > 0
    # The limit holds even for the right password from the guessing address ...
    assert sign_in(client, identity("a1"), camilla.email, camilla.password).status_code == 429


def test_the_guessers_failures_do_not_lock_the_real_customer_out_from_another_address(client, identity, world):
    camilla = world.contacts["camilla"]
    for attempt in range(6):
        sign_in(client, identity("a1"), camilla.email, f"guess-number-{attempt}")
    assert sign_in(client, identity("a1"), camilla.email, "guess-again").status_code == 429
    elsewhere = identity("a1", client_ip=OTHER_IP)
    assert sign_in(client, elsewhere, camilla.email, "typo-passphrase").status_code == 401
    assert sign_in(client, elsewhere, camilla.email, camilla.password).status_code == 201


def test_the_failure_limit_is_per_email_so_other_customers_at_the_same_address_still_sign_in(
        client, identity, world):
    for attempt in range(6):
        sign_in(client, identity("a1"), world.contacts["camilla"].email, f"guess-number-{attempt}")
    april = world.contacts["april"]
    assert sign_in(client, identity("a1"), april.email, april.password).status_code == 201


def test_successful_sign_ins_do_not_count_toward_the_failure_limit(client, identity, world):
    camilla = world.contacts["camilla"]
    for attempt in range(4):
        assert sign_in(client, identity("a1"), camilla.email, f"guess-number-{attempt}").status_code == 401
    for _ in range(3):
        assert sign_in(client, identity("a1"), camilla.email, camilla.password).status_code == 201
    assert sign_in(client, identity("a1"), camilla.email, "guess-number-4").status_code == 401
    assert sign_in(client, identity("a1"), camilla.email, "guess-number-5").status_code == 429


def test_successes_never_count_so_people_sharing_an_office_address_are_never_refused(client, identity, world):
    # Forty correct sign-ins from one address: more than any limit, and none of them counts.
    camilla, april = world.contacts["camilla"], world.contacts["april"]
    for turn in range(20):
        for person in (camilla, april):
            response = sign_in(client, identity("a1"), person.email, person.password)
            assert response.status_code == 201, (turn, person.email, response.get_json())


def test_parallel_wrong_guesses_cannot_outrun_the_failure_limit(app, identity, world):
    # Each attempt takes its slot before the password is checked, so concurrent guesses cannot all pass.
    camilla = world.contacts["camilla"]
    barrier = threading.Barrier(12)

    def guess(number: int) -> int:
        barrier.wait()
        return sign_in(app.test_client(), identity("a1"), camilla.email, f"parallel-guess-{number}").status_code

    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = sorted(pool.map(guess, range(12)))
    assert statuses == [401] * 5 + [429] * 7


def test_the_refusal_says_how_long_to_wait(client, identity, world):
    camilla = world.contacts["camilla"]
    for attempt in range(5):
        assert sign_in(client, identity("a1"), camilla.email, f"guess-number-{attempt}").status_code == 401
    limited = sign_in(client, identity("a1"), camilla.email, "guess-number-5")
    assert limited.status_code == 429
    wait = int(limited.headers["Retry-After"])
    assert 14 * 60 < wait <= 15 * 60
    assert limited.get_json()["detail"] == "Too many attempts. Try again in 15 minutes."


def test_failures_from_one_address_across_many_accounts_are_capped_but_other_addresses_are_not(
        client, identity, world):
    for number in range(30):
        assert sign_in(client, identity("a1"), f"sprayed-{number}@example.com", "Summer2024!").status_code == 401
    camilla = world.contacts["camilla"]
    assert sign_in(client, identity("a1"), camilla.email, camilla.password).status_code == 429
    assert sign_in(client, identity("a1", client_ip=OTHER_IP), camilla.email, camilla.password).status_code == 201


def test_a_403_for_another_branch_does_not_count_as_a_failure_either(client, identity, world):
    walt = world.contacts["walt"]
    for _ in range(6):
        assert sign_in(client, identity("a1"), walt.email, walt.password).status_code == 403
    assert sign_in(client, identity("a1"), walt.email, "wrong-passphrase").status_code == 401


def test_changing_the_case_or_padding_of_the_email_does_not_escape_the_failure_limit(client, identity, world):
    variants = ["camilla@example.com", "CAMILLA@example.com", " Camilla@Example.com", "camilla@EXAMPLE.COM ",
                "cAmIlLa@example.com"]
    for attempt, email in enumerate(variants):
        assert sign_in(client, identity("a1"), email, f"guess-number-{attempt}").status_code == 401
    assert sign_in(client, identity("a1"), "CaMiLlA@eXaMpLe.CoM", "guess-number-5").status_code == 429


# -- staff sign-in ----------------------------------------------------------------------------

def test_staff_sign_in_at_a_branch_they_do_not_work_at_is_403_not_in_branch(client, identity, sessions, world):
    manager = world.staff["manager"]  # works at a1 only
    credentials = {"email": manager.email, "password": manager.password}
    refused = client.post("/staff/sessions", json=credentials, headers=identity("a2"))
    assert refused.status_code == 403 and refused.get_json()["code"] == "not_in_branch"
    accepted = client.post("/staff/sessions", json=credentials, headers=identity("a1"))
    assert accepted.status_code == 201 and accepted.get_json()["staff_id"] == manager.id
    assert sessions.get(accepted.get_json()["session_id"]).kind == "staff"
    wrong = client.post("/staff/sessions", json={**credentials, "password": "not-the-passphrase"},
                        headers=identity("a1"))
    assert wrong.status_code == 401 and wrong.get_json()["code"] == "invalid_credentials"


def test_a_customers_credentials_do_not_open_a_staff_session(client, identity, world):
    camilla = world.contacts["camilla"]
    response = client.post("/staff/sessions", json={"email": camilla.email, "password": camilla.password},
                           headers=identity("a1"))
    assert response.status_code == 401


@pytest.mark.parametrize("path", ["/customer/sessions", "/staff/sessions"])
def test_sign_in_with_text_that_is_not_an_email_is_named_as_such_and_not_counted(client, identity, world, path):
    for _ in range(6):
        response = client.post(path, json={"email": "camilla", "password": "whatever"}, headers=identity("a1"))
        assert response.status_code == 422
        assert response.get_json()["errors"] == {"email": ["Enter a valid email"]}
    camilla = world.contacts["camilla"]
    if path == "/customer/sessions":
        assert sign_in(client, identity("a1"), camilla.email, camilla.password).status_code == 201
