"""Sentry and OpenTelemetry: both off unless configured."""

from __future__ import annotations

from config.env import env

SENTRY_DSN: str = env.str("SENTRY_DSN", default="")
SENTRY_ENVIRONMENT: str = env.str("SENTRY_ENVIRONMENT", default="development")
SENTRY_TRACES_SAMPLE_RATE: float = env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0)
OTEL_ENABLED: bool = env.bool("OTEL_ENABLED", default=False)
OTEL_SERVICE_NAME: str = env.str("OTEL_SERVICE_NAME", default="arbitragex")
