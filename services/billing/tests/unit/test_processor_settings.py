"""The processor's configuration: dev defaults point at the sandbox; elsewhere the sandbox's password refuses."""
from __future__ import annotations

import pytest

from portal_billing.adapters.processor import (
    DEV_PROCESSOR_URL, CardPointeProcessor, ProcessorSettings, to_amount, to_cents,
)
from portal_shared.config import InsecureConfiguration

VARIABLES = ("PAYMENT_PROCESSOR_URL", "PAYMENT_PROCESSOR_MERCHANT_ID", "PAYMENT_PROCESSOR_USERNAME",
             "PAYMENT_PROCESSOR_PASSWORD")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)


def test_dev_mode_defaults_to_the_sandbox():
    settings = ProcessorSettings.from_env(dev_mode=True)
    assert settings.url == DEV_PROCESSOR_URL and settings.password == "testing123"
    assert "testing123" not in repr(settings)


def test_outside_dev_mode_the_url_and_a_real_password_are_required(monkeypatch):
    with pytest.raises(InsecureConfiguration, match="PAYMENT_PROCESSOR_URL"):
        ProcessorSettings.from_env(dev_mode=False)
    monkeypatch.setenv("PAYMENT_PROCESSOR_URL", "https://example.cardconnect.com/cardconnect/rest/")
    with pytest.raises(InsecureConfiguration, match="PAYMENT_PROCESSOR_PASSWORD"):
        ProcessorSettings.from_env(dev_mode=False)
    monkeypatch.setenv("PAYMENT_PROCESSOR_PASSWORD", "testing123")
    with pytest.raises(InsecureConfiguration):
        ProcessorSettings.from_env(dev_mode=False)
    monkeypatch.setenv("PAYMENT_PROCESSOR_PASSWORD", "issued-by-the-processor")
    monkeypatch.setenv("PAYMENT_PROCESSOR_MERCHANT_ID", "496000000001")
    settings = ProcessorSettings.from_env(dev_mode=False)
    assert settings.url == "https://example.cardconnect.com/cardconnect/rest"
    assert settings.merchant_id == "496000000001"


def test_the_adapter_is_built_from_settings_alone_and_never_retries_in_the_pool():
    processor = CardPointeProcessor(ProcessorSettings())
    assert processor.session.auth == ("testing", "testing123")
    assert processor.session.get_adapter("https://x/").max_retries.total == 0


def test_amounts_cross_the_port_in_cents():
    assert to_amount(1234) == "12.34" and to_amount(5) == "0.05" and to_amount(100000) == "1000.00"
    assert to_cents("12.34") == 1234 and to_cents("0.05") == 5 and to_cents("junk") == 0
