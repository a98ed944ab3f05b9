"""The webhook rules with no I/O: which targets are safe, the schedule, the payload, sealed secrets."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks import Webhook

from portal_notifications.adapters.webhook_http import checked_addresses
from portal_notifications.adapters.webhook_secrets import DEV_WEBHOOK_SECRETS_KEY, SecretBox
from portal_notifications.domain.webhooks import (
    RetrySchedule,
    UnsafeTarget,
    check_address,
    endpoint_failing_throughout,
    new_signing_secret,
    parse_target,
    payload_of,
)
from portal_notifications.service_layer.webhook_sender import sign
from portal_shared.config import InsecureConfiguration
from portal_shared.events import Envelope


@pytest.mark.parametrize("address", [
    "127.0.0.1", "127.8.9.10", "::1", "10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.169.254", "fe80::1",
    "fc00::1", "224.0.0.1", "ff02::1", "0.0.0.0", "::", "100.64.0.1", "240.0.0.1", "255.255.255.255",
    "::ffff:127.0.0.1", "::ffff:10.0.0.1", "198.18.0.1", "192.0.2.1",
    "2002:7f00:1::1", "2002:a00:1::1",  # 6to4 carrying 127.0.0.1 and 10.0.0.1
    "2001:0:4136:e378:8000:63bf:80ff:fffe",  # Teredo whose client is 127.0.0.1
])
def test_non_public_addresses_are_refused_outside_dev_mode(address):
    with pytest.raises(UnsafeTarget):
        check_address(address, dev_mode=False)
    check_address(address, dev_mode=True)  # the dev receiver lives on 127.0.0.1


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111"])
def test_public_addresses_are_accepted(address):
    check_address(address, dev_mode=False)


def test_outside_dev_mode_only_https_is_accepted():
    with pytest.raises(UnsafeTarget, match="https"):
        parse_target("http://erp.example.com/hooks", dev_mode=False)
    target = parse_target("https://erp.example.com:8443/in?x=1", dev_mode=False)
    assert (target.scheme, target.host, target.port, target.path) == ("https", "erp.example.com", 8443, "/in?x=1")
    assert parse_target("http://127.0.0.1:8026/hooks", dev_mode=True).port == 8026


def test_every_resolved_address_must_be_public():
    with pytest.raises(UnsafeTarget, match="192.168.1.10"):
        checked_addresses(parse_target("https://mixed.example.com/", dev_mode=False), dev_mode=False,
                          resolve=lambda host, port: ["93.184.216.34", "192.168.1.10"])
    with pytest.raises(UnsafeTarget, match="localhost"):
        checked_addresses(parse_target("https://app.localhost/", dev_mode=False), dev_mode=False,
                          resolve=lambda host, port: ["93.184.216.34"])


def test_the_default_schedule_retries_for_more_than_a_day_then_gives_up():
    schedule = RetrySchedule()
    now = datetime(2025, 1, 1, tzinfo=UTC)
    assert schedule.total > timedelta(hours=24) and schedule.max_attempts == 8
    assert schedule.next_attempt_at(1, now) == now + timedelta(seconds=5)
    assert schedule.next_attempt_at(2, now) == now + timedelta(minutes=5)
    assert schedule.next_attempt_at(7, now) == now + timedelta(hours=10)
    assert schedule.next_attempt_at(8, now) is None


def test_an_endpoint_is_failing_throughout_only_without_a_success_since_the_first_try():
    first = datetime(2025, 1, 1, tzinfo=UTC)
    assert endpoint_failing_throughout(last_success_at=None, first_attempt_at=first)
    assert endpoint_failing_throughout(last_success_at=first - timedelta(seconds=1), first_attempt_at=first)
    assert not endpoint_failing_throughout(last_success_at=first + timedelta(hours=3), first_attempt_at=first)


def test_the_payload_is_the_envelope_in_standard_webhooks_shape_without_the_correlation_id():
    envelope = Envelope(type="contact_upserted", data={"contact_id": "c1"}, tenant_id="t1", id="e1",
                        occurred_at="2025-01-01T00:00:00+00:00", correlation_id="internal-request-id")
    body = payload_of(envelope)
    assert body == ('{"branch_id":null,"data":{"contact_id":"c1"},"id":"e1","tenant_id":"t1",'
                    '"timestamp":"2025-01-01T00:00:00+00:00","type":"contact_upserted","version":1}')


def test_the_signature_verifies_with_the_standardwebhooks_package():
    secret = new_signing_secret()
    assert secret.startswith("whsec_")
    body = '{"type":"contact_upserted"}'
    headers = sign(secret, message_id="e1", body=body, at=datetime.now(UTC))
    assert Webhook(secret).verify(body, headers) == {"type": "contact_upserted"}
    with pytest.raises(Exception):
        Webhook(new_signing_secret()).verify(body, headers)


def test_secrets_are_sealed_and_the_dev_key_is_refused_outside_dev_mode(monkeypatch):
    box = SecretBox("some-long-key-material-for-the-test-0123456789")
    sealed = box.seal("whsec_abc")
    assert "whsec_abc" not in sealed and box.open(sealed) == "whsec_abc"
    monkeypatch.setenv("WEBHOOK_SECRETS_KEY", DEV_WEBHOOK_SECRETS_KEY)
    with pytest.raises(InsecureConfiguration):
        SecretBox.from_env(dev_mode=False)
