"""Secrets come from one place: this module. Values never enter logs, reprs or task arguments.

Backends: the environment (`NAME`) or a file (`NAME_FILE`, e.g. a mounted Kubernetes or
Docker secret). A Vault or cloud-KMS backend plugs in here; none runs on this machine.
"""

from __future__ import annotations

import os
from pathlib import Path


class SecretMissingError(LookupError):
    pass


def get_secret(name: str, *, required: bool = True) -> str | None:
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        try:
            return Path(file_path).read_text().strip()
        except OSError as exc:
            raise SecretMissingError(f"{name}_FILE points at an unreadable file: {exc}") from None
    value = os.environ.get(name)
    if value:
        return value
    if required:
        raise SecretMissingError(f"secret {name} is not set (set {name} or {name}_FILE)")
    return None
