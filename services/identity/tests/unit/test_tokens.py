"""Link tokens and API keys: random, shown once, stored only as their SHA-256 digest."""
from __future__ import annotations

import hashlib
import re

from portal_identity.domain.tokens import new_api_key, new_token, token_digest


def test_a_token_is_stored_as_its_sha256_hex_digest_never_as_itself():
    token = new_token()
    assert token_digest(token) == hashlib.sha256(token.encode()).hexdigest()
    assert len(token_digest(token)) == 64 and token not in token_digest(token)


def test_tokens_are_url_safe_long_and_never_repeat():
    tokens = {new_token() for _ in range(200)}
    assert len(tokens) == 200
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{43,}", t) for t in tokens)


def test_an_api_key_is_pk_prefix_secret_and_its_prefix_is_public():
    key, prefix = new_api_key()
    assert re.fullmatch(r"[0-9a-f]{8}", prefix)
    assert key.startswith(f"pk_{prefix}_") and len(key) > len(prefix) + 40
    assert token_digest(key) == hashlib.sha256(key.encode()).hexdigest()


def test_an_api_key_is_what_the_gateway_recognises_and_digests_the_same_way():
    from portal_shared.api_keys import key_digest, looks_like_api_key

    key, _prefix = new_api_key()
    assert looks_like_api_key(key)
    assert key_digest(key) == token_digest(key)
