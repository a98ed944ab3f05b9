"""Signing secrets at rest: Fernet (AES-128-CBC + HMAC-SHA256) under a key from the environment.

We must sign every delivery, so the secret cannot be stored as a digest. It is encrypted with a
key derived (SHA-256) from WEBHOOK_SECRETS_KEY, which outside dev mode must be set to a real
value of at least 32 characters: a copy of the database alone reveals no secret. Changing the
key makes stored secrets unreadable (rotate by re-creating endpoints); see docs/operations.md.
"""
from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet

from portal_shared.config import env_str, require_production_secret

DEV_WEBHOOK_SECRETS_KEY = "dev-webhook-secrets-key-change-me-0123456789"


class SecretBox:
    def __init__(self, key_material: str):
        self._fernet = Fernet(base64.urlsafe_b64encode(hashlib.sha256(key_material.encode()).digest()))

    @classmethod
    def from_env(cls, *, dev_mode: bool) -> "SecretBox":
        value = env_str("WEBHOOK_SECRETS_KEY", DEV_WEBHOOK_SECRETS_KEY)
        return cls(require_production_secret("WEBHOOK_SECRETS_KEY", value, DEV_WEBHOOK_SECRETS_KEY, dev_mode))

    def seal(self, secret: str) -> str:
        return self._fernet.encrypt(secret.encode()).decode()

    def open(self, sealed: str) -> str:
        return self._fernet.decrypt(sealed.encode()).decode()
