"""Personal data at rest: authenticated encryption with rotating keys, and a keyed blind index.

Keys come from the secrets backend (core.secrets), never from the repository:

- ``ARBX_PII_KEYS``: comma-separated Fernet keys (AES-128-CBC with HMAC-SHA256, from
  `cryptography`). The first encrypts; every key decrypts (MultiFernet). To rotate: put a new
  key first, run ``manage.py rotate_pii_key`` (every row re-encrypted under it), then drop
  the old key.
- ``ARBX_PII_INDEX_KEY``: the HMAC-SHA256 key of the blind index, through which an exact name is
  looked up without storing or querying the plaintext. ``rotate_pii_key`` recomputes every
  index from the decrypted names, so this key rotates the same way.

The demo and the tests derive both from ``DJANGO_SECRET_KEY`` of their own settings when the
secrets are absent (``PII_KEYS_FROM_SECRET_KEY``); production refuses to start without them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import unicodedata
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from core.secrets import get_secret


class PersonalDataError(ValueError):
    """A ciphertext none of the configured keys opens (the message never holds the data)."""


def _derived(purpose: str) -> bytes:
    digest = hashlib.sha256(f"arbx-pii:{purpose}:{settings.SECRET_KEY}".encode()).digest()
    return base64.urlsafe_b64encode(digest)


def _configured(name: str, purpose: str) -> str:
    value = get_secret(name, required=False)
    if value:
        return value
    if getattr(settings, "PII_KEYS_FROM_SECRET_KEY", False):
        return _derived(purpose).decode()
    raise ImproperlyConfigured(f"{name} is not set (the key of the personal data {purpose})")


@cache
def _keys() -> tuple[Fernet, ...]:
    keys = [key.strip() for key in _configured("ARBX_PII_KEYS", "encryption").split(",")]
    try:
        return tuple(Fernet(key) for key in keys if key)
    except ValueError:
        raise ImproperlyConfigured(
            "ARBX_PII_KEYS must hold url-safe base64 Fernet keys (32 bytes each)"
        ) from None


@cache
def _fernet() -> MultiFernet:
    return MultiFernet(list(_keys()))


@cache
def _index_key() -> bytes:
    return _configured("ARBX_PII_INDEX_KEY", "index").encode()


def keys_reload() -> None:
    """Forget the keys read so far (after a rotation, or in tests)."""
    _keys.cache_clear()
    _fernet.cache_clear()
    _index_key.cache_clear()


def encrypt(plain: bytes) -> bytes:
    return _fernet().encrypt(plain)


def decrypt(token: bytes) -> bytes:
    try:
        return _fernet().decrypt(token)
    except InvalidToken:
        raise PersonalDataError("personal data that no configured key decrypts") from None


def decrypt_primary(token: bytes) -> bytes:
    """Open with the first key alone (a rotation's check that the old keys can go)."""
    try:
        return _keys()[0].decrypt(token)
    except InvalidToken:
        raise PersonalDataError("personal data not under the first key") from None


def normalize_name(name: str) -> str:
    """A name as screening and the blind index compare it: accents and case folded, punctuation
    gone, words in alphabetical order ("Müller-Lüdenscheidt, Hans" becomes "hans
    ludenscheidt muller")."""
    decomposed = unicodedata.normalize("NFKD", name)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    words = "".join(ch if ch.isalnum() else " " for ch in bare).split()
    return " ".join(sorted(words))


def blind_index(name: str) -> str:
    """The keyed index of a name: equal for equal normalized names, useless without the key."""
    normalized = normalize_name(name)
    return hmac.new(_index_key(), normalized.encode(), hashlib.sha256).hexdigest()
