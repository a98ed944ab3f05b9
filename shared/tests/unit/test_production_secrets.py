"""Outside dev mode the public development secret refuses to start a service."""
import pytest

from portal_shared.config import DEV_INTERNAL_SECRET, InsecureConfiguration, ServiceSettings


def test_a_service_outside_dev_mode_refuses_the_development_secret(monkeypatch):
    monkeypatch.setenv("PORTAL_DEV", "false")
    monkeypatch.delenv("INTERNAL_TOKEN_SECRET", raising=False)
    with pytest.raises(InsecureConfiguration, match="INTERNAL_TOKEN_SECRET"):
        ServiceSettings.from_env("billing")


def test_a_service_outside_dev_mode_refuses_a_short_secret(monkeypatch):
    monkeypatch.setenv("PORTAL_DEV", "false")
    monkeypatch.setenv("INTERNAL_TOKEN_SECRET", "short")
    with pytest.raises(InsecureConfiguration):
        ServiceSettings.from_env("billing")


def test_a_real_secret_or_dev_mode_starts(monkeypatch):
    monkeypatch.setenv("PORTAL_DEV", "false")
    monkeypatch.setenv("INTERNAL_TOKEN_SECRET", "x" * 40)
    assert ServiceSettings.from_env("billing").internal_token_secret == "x" * 40
    monkeypatch.setenv("PORTAL_DEV", "true")
    monkeypatch.delenv("INTERNAL_TOKEN_SECRET")
    assert ServiceSettings.from_env("billing").internal_token_secret == DEV_INTERNAL_SECRET
