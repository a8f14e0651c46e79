"""Webhook signatures and retry timing, without I/O."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from pydantic import ValidationError

from integration.settings import WebhookSettings
from integration.signing import sign, verify

SECRET = "whsec_test-secret-123456"
BODY = b'{"id":7,"type":"order.paid"}'
NOW = 1_790_000_000


def test_the_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    expected = hmac.new(SECRET.encode(), f"{NOW}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert sign(SECRET, BODY, NOW) == f"t={NOW},v1={expected}"


def test_a_fresh_signature_verifies() -> None:
    assert verify(SECRET, sign(SECRET, BODY, NOW), BODY, now=NOW + 10)


@pytest.mark.parametrize(
    ("secret", "body", "now"),
    [
        ("another-secret-000000", BODY, NOW),
        (SECRET, BODY.replace(b"7", b"8"), NOW),
        (SECRET, BODY, NOW + 301),
        (SECRET, BODY, NOW - 301),
    ],
    ids=["wrong secret", "tampered body", "replayed later", "from the future"],
)
def test_a_signature_fails_for_another_secret_body_or_an_old_timestamp(
    secret: str, body: bytes, now: int
) -> None:
    assert not verify(secret, sign(SECRET, BODY, NOW), body, now=now)


@pytest.mark.parametrize("header", ["", "t=abc,v1=00", "v1=00", f"t={NOW}"])
def test_a_malformed_signature_header_fails(header: str) -> None:
    assert not verify(SECRET, header, BODY, now=NOW)


def test_the_wait_after_a_failure_doubles_up_to_the_maximum() -> None:
    settings = WebhookSettings(backoff_seconds=1, backoff_max_seconds=10)
    assert [settings.backoff(n) for n in range(1, 7)] == [1, 2, 4, 8, 10, 10]


def test_a_lease_shorter_than_a_request_is_refused_naming_the_field() -> None:
    with pytest.raises(ValidationError, match="lease_seconds"):
        WebhookSettings(timeout_seconds=10, lease_seconds=5)
