"""BusSettings.from_env reads the bus configuration, including the retry delay ladder."""
from __future__ import annotations

import pytest

from portal_shared.config import BusSettings

BUS_VARIABLES = ("AMQP_URL", "BUS_NAMESPACE", "BUS_HEARTBEAT", "BUS_BLOCKED_TIMEOUT", "BUS_QUORUM_QUEUES",
                 "BUS_PREFETCH", "BUS_MAX_RETRIES", "BUS_RETRY_DELAYS_MS")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in BUS_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize("raw, expected", [
    ("250,1000,60000", (250, 1000, 60000)),
    ("100, 200 , 300", (100, 200, 300)),
    ("5000", (5000,)),
])
def test_retry_delays_are_parsed_from_a_comma_separated_list_of_milliseconds(monkeypatch, raw, expected):
    monkeypatch.setenv("BUS_RETRY_DELAYS_MS", raw)
    assert BusSettings.from_env().retry_delays_ms == expected


@pytest.mark.parametrize("raw", [None, ""])
def test_unset_or_empty_retry_delays_keep_the_default_ladder(monkeypatch, raw):
    if raw is not None:
        monkeypatch.setenv("BUS_RETRY_DELAYS_MS", raw)
    assert BusSettings.from_env().retry_delays_ms == (1000, 5000, 30000)


def test_a_retry_delay_that_is_not_a_number_is_refused(monkeypatch):
    monkeypatch.setenv("BUS_RETRY_DELAYS_MS", "1000,soon")
    with pytest.raises(ValueError):
        BusSettings.from_env()


def test_the_other_bus_variables_are_read_too(monkeypatch):
    for name, value in {"AMQP_URL": "amqp://u:p@rabbit:5672/%2F", "BUS_NAMESPACE": "staging",
                        "BUS_HEARTBEAT": "15", "BUS_BLOCKED_TIMEOUT": "2.5", "BUS_QUORUM_QUEUES": "false",
                        "BUS_PREFETCH": "3", "BUS_MAX_RETRIES": "9"}.items():
        monkeypatch.setenv(name, value)
    settings = BusSettings.from_env()
    assert (settings.url, settings.namespace, settings.heartbeat, settings.blocked_connection_timeout,
            settings.quorum_queues, settings.prefetch, settings.max_retries) == \
        ("amqp://u:p@rabbit:5672/%2F", "staging", 15, 2.5, False, 3, 9)


def test_without_any_variable_the_defaults_apply():
    assert BusSettings.from_env() == BusSettings()
