"""Single-use link tokens: random, shown once in the link, stored only as their SHA-256."""
from __future__ import annotations

import hashlib
import secrets


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_api_key() -> tuple[str, str]:
    """(the key shown once, its public prefix). Keys look like `pk_<prefix>_<secret>`."""
    prefix = secrets.token_hex(4)
    return f"pk_{prefix}_{secrets.token_urlsafe(32)}", prefix
