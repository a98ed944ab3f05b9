"""Outside dev mode the public development secrets (internal secret, operator token) refuse to start."""
import pytest

from portal_shared.config import (DEV_INTERNAL_SECRET, DEV_OPERATOR_TOKEN, InsecureConfiguration, ServiceSettings,
                                  operator_token_from_env)


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


# -- the operator token ----------------------------------------------------------------------------

@pytest.mark.parametrize("token", [DEV_OPERATOR_TOKEN, "x" * 31])
def test_outside_dev_mode_the_dev_or_a_short_operator_token_refuses_to_start(monkeypatch, token):
    monkeypatch.setenv("PORTAL_OPERATOR_TOKEN", token)
    with pytest.raises(InsecureConfiguration, match="PORTAL_OPERATOR_TOKEN"):
        operator_token_from_env(dev_mode=False)


def test_a_long_operator_token_or_none_at_all_starts_outside_dev_mode(monkeypatch):
    monkeypatch.setenv("PORTAL_OPERATOR_TOKEN", "o" * 32)
    assert operator_token_from_env(dev_mode=False) == "o" * 32
    monkeypatch.delenv("PORTAL_OPERATOR_TOKEN")
    assert operator_token_from_env(dev_mode=False) is None  # no operator: nobody gets in, nothing to refuse


def test_dev_mode_accepts_the_dev_operator_token(monkeypatch):
    monkeypatch.setenv("PORTAL_OPERATOR_TOKEN", DEV_OPERATOR_TOKEN)
    assert operator_token_from_env(dev_mode=True) == DEV_OPERATOR_TOKEN
