from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.core import checks


class ComplianceConfig(AppConfig):
    name = "compliance"
    verbose_name = "Compliance"

    def ready(self) -> None:
        from compliance import signals

        signals.connect()
        checks.register(_pii_keys_check, checks.Tags.security, deploy=True)


def _pii_keys_check(app_configs: Any = None, **_: Any) -> list[checks.CheckMessage]:
    """`manage.py check --deploy`: the personal data keys must open (production needs them)."""
    from django.core.exceptions import ImproperlyConfigured

    from compliance import crypto

    try:
        crypto.keys_reload()
        crypto.decrypt(crypto.encrypt(b"check"))
        crypto.blind_index("check")
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), id="compliance.E001")]
    return []
