"""The gateway's signed identity token: only a fresh token, signed with our secret, for our audience, passes."""
from __future__ import annotations

import time

import jwt
import pytest

from portal_shared.identity_token import AUDIENCE, ISSUER, InvalidIdentityToken, sign_identity, verify_identity

SECRET = "unit-test-internal-secret-0123456789abcdef"
CLAIMS = {"kind": "request", "tenant_id": "t-1", "branch_id": "b-1", "branch_slug": "north"}


def test_a_signed_token_verifies_back_to_its_claims():
    claims = verify_identity(sign_identity(CLAIMS, SECRET), SECRET)
    assert {k: claims[k] for k in CLAIMS} == CLAIMS
    assert claims["aud"] == AUDIENCE and claims["iss"] == ISSUER
    assert claims["exp"] - claims["iat"] == 60


def test_an_expired_token_is_rejected():
    token = sign_identity(CLAIMS, SECRET, ttl_seconds=-1)
    with pytest.raises(InvalidIdentityToken, match="expired"):
        verify_identity(token, SECRET)


def test_a_token_signed_with_another_secret_is_rejected():
    token = sign_identity(CLAIMS, "someone-elses-secret-0123456789abcdef")
    with pytest.raises(InvalidIdentityToken, match="[Ss]ignature"):
        verify_identity(token, SECRET)


def _token(**overrides) -> str:
    now = int(time.time())
    payload = {**CLAIMS, "iat": now, "exp": now + 60, "aud": AUDIENCE, "iss": ISSUER, **overrides}
    payload = {k: v for k, v in payload.items() if v is not None}
    return jwt.encode(payload, SECRET, algorithm="HS256")


@pytest.mark.parametrize("overrides", [
    {"aud": "some-other-audience"},
    {"aud": None},
    {"iss": "not-the-gateway"},
    {"exp": None},
])
def test_a_token_for_another_audience_issuer_or_without_expiry_is_rejected(overrides):
    with pytest.raises(InvalidIdentityToken):
        verify_identity(_token(**overrides), SECRET)


def test_an_unsigned_token_is_rejected():
    token = jwt.encode({**CLAIMS, "aud": AUDIENCE, "iss": ISSUER, "iat": int(time.time()),
                        "exp": int(time.time()) + 60}, key=None, algorithm="none")
    with pytest.raises(InvalidIdentityToken):
        verify_identity(token, SECRET)


def test_garbage_is_rejected_as_an_invalid_token():
    with pytest.raises(InvalidIdentityToken):
        verify_identity("not.a.token", SECRET)


def test_an_account_counts_only_with_a_session_of_this_very_tenant():
    from portal_shared.identity_token import signed_in_account

    base = {"tenant_id": "t-1", "account_kind": "customer", "account_id": "c-1"}
    assert signed_in_account({**base, "session_tenant_id": "t-1"}) == ("customer", "c-1")
    assert signed_in_account(base) is None
    assert signed_in_account({**base, "session_tenant_id": "t-2"}) is None
    assert signed_in_account({**base, "session_tenant_id": "t-1", "account_kind": "admin"}) is None
    assert signed_in_account({**base, "session_tenant_id": "t-1", "account_id": ""}) is None
    assert signed_in_account(None) is None
