"""EVM addresses: stored in their EIP-55 checksummed form, validated on the way in."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from eth_utils.address import is_checksum_address, to_checksum_address

ADDRESS_LENGTH = 42
_HEX_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")


def normalize_address(value: object) -> str:
    """Return the checksummed form of a hex address; raise ValidationError if it is not one.

    An all-lowercase or all-uppercase address is accepted and checksummed; a mixed-case
    address must carry a valid checksum (a typo in it is refused, not silently fixed).
    """
    text = value.strip() if isinstance(value, str) else ""
    if not _HEX_ADDRESS.match(text):
        raise ValidationError(f"{value!r} is not a 0x-prefixed 20-byte hex address", code="invalid")
    body = text[2:]
    if body not in (body.lower(), body.upper()) and not is_checksum_address(text):
        raise ValidationError(f"{value!r} has an invalid EIP-55 checksum", code="checksum")
    return str(to_checksum_address(text))


def validate_checksum_address(value: str) -> None:
    """Field validator: the stored value must already be checksummed."""
    if normalize_address(value) != value:
        raise ValidationError(
            f"{value!r} is not in checksummed (EIP-55) form", code="not_checksummed"
        )
