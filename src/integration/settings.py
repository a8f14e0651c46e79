"""Webhook delivery settings from the environment (prefix ``MULTISTORE_WEBHOOK_``)."""

from __future__ import annotations

from typing import Self

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class WebhookSettings(BaseSettings):
    """How the delivery worker posts events, retries and pauses."""

    model_config = SettingsConfigDict(env_prefix="MULTISTORE_WEBHOOK_", frozen=True, extra="ignore")

    timeout_seconds: float = Field(default=10, gt=0, le=120, description="per request")
    backoff_seconds: float = Field(
        default=1, gt=0, le=3600, description="wait after the first failed attempt; doubles"
    )
    backoff_max_seconds: float = Field(default=600, gt=0, le=86_400, description="longest wait")
    pause_after: int = Field(
        default=12, ge=1, le=1000, description="failed attempts in a row that pause a subscription"
    )
    poll_seconds: float = Field(default=0.5, gt=0, le=60, description="idle wait between rounds")
    batch_size: int = Field(default=100, ge=1, le=10_000, description="events per turn")
    concurrency: int = Field(default=4, ge=1, le=64, description="subscriptions served at once")
    lease_seconds: float = Field(
        default=60, gt=0, le=3600, description="how long a worker holds a subscription"
    )
    trust_env: bool = Field(default=False, description="use HTTP(S)_PROXY from the environment")

    @model_validator(mode="after")
    def _lease_outlasts_a_request(self) -> Self:
        if self.lease_seconds <= self.timeout_seconds:
            raise ValueError("lease_seconds: must be longer than timeout_seconds")
        return self

    def backoff(self, failures: int) -> float:
        """Seconds to wait after ``failures`` failed attempts in a row."""
        return float(min(self.backoff_seconds * 2 ** (failures - 1), self.backoff_max_seconds))
