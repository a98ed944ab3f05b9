"""The gateway's settings refuse public development secrets outside dev mode, the operator token included."""
import pytest

from portal_gateway.config import GatewaySettings
from portal_shared.config import DEV_OPERATOR_TOKEN, InsecureConfiguration


@pytest.fixture
def production(monkeypatch):
    monkeypatch.setenv("PORTAL_DEV", "false")
    monkeypatch.setenv("INTERNAL_TOKEN_SECRET", "i" * 40)
    return monkeypatch


@pytest.mark.parametrize("token", [DEV_OPERATOR_TOKEN, "short-operator-token"])
def test_outside_dev_mode_the_gateway_refuses_a_weak_operator_token(production, token):
    production.setenv("PORTAL_OPERATOR_TOKEN", token)
    with pytest.raises(InsecureConfiguration, match="PORTAL_OPERATOR_TOKEN"):
        GatewaySettings.from_env()


def test_outside_dev_mode_the_gateway_starts_with_a_long_operator_token_or_none(production):
    production.setenv("PORTAL_OPERATOR_TOKEN", "g" * 40)
    assert GatewaySettings.from_env().operator_token == "g" * 40
    production.delenv("PORTAL_OPERATOR_TOKEN")
    assert GatewaySettings.from_env().operator_token is None
