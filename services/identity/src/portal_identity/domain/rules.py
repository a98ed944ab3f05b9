"""Rules for what people type: names (the seeds' messages), emails, passwords (OWASP ASVS)."""
from __future__ import annotations

import re
from functools import cache

# Letters of any script, with the apostrophes, hyphens and spaces real names carry.
_NAME = re.compile(r"^[^\W\d_]+(?:[ '’\-][^\W\d_]+)*$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

FIRST_NAME_MESSAGE = "First name must have at least 2 characters. Numbers and special characters are not allowed."
LAST_NAME_MESSAGE = "Last name must have at least 1 character. Numbers and special characters are not allowed."
EMAIL_MESSAGE = "Enter a valid email"
PASSWORD_MIN, PASSWORD_MAX = 8, 128


def first_name_error(value: str) -> str | None:
    value = (value or "").strip()
    return None if len(value) >= 2 and len(value) <= 100 and _NAME.fullmatch(value) else FIRST_NAME_MESSAGE


def last_name_error(value: str) -> str | None:
    value = (value or "").strip()
    return None if 1 <= len(value) <= 100 and _NAME.fullmatch(value) else LAST_NAME_MESSAGE


def normalise_email(value: str) -> str:
    return (value or "").strip().lower()


def email_error(value: str) -> str | None:
    value = normalise_email(value)
    return None if len(value) <= 320 and _EMAIL.fullmatch(value) else EMAIL_MESSAGE


@cache
def _common_passwords() -> frozenset[str]:
    # zxcvbn ships the 30,000 most common passwords from real breaches.
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def password_error(password: str, *, email: str | None = None) -> str | None:
    """ASVS 2.1: at least 8 characters, up to 128, any characters, no composition rules,
    not a commonly used password (nor the account's own email)."""
    if len(password or "") < PASSWORD_MIN:
        return f"Use at least {PASSWORD_MIN} characters. Long passphrases are welcome."
    if len(password) > PASSWORD_MAX:
        return f"Use at most {PASSWORD_MAX} characters."
    lowered = password.lower()
    if lowered in _common_passwords() or (email and lowered in {email.lower(), email.split("@")[0].lower()}):
        return "This password is too common and easy to guess. Choose another one."
    return None
