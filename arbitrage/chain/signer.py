"""The signer: the only holder of the execution key, taken from the secrets backend."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount

from core.secrets import get_secret

SIGNER_SECRET = "ARBX_SIGNER_KEY"  # noqa: S105 - the name of the secret, not its value


@dataclass(frozen=True)
class SignedTransaction:
    raw: bytes
    hash: str


class Signer:
    def __init__(self, account: LocalAccount) -> None:
        self._account = account
        self.address: str = str(account.address)

    def __repr__(self) -> str:  # never the key
        return f"Signer({self.address})"

    def sign(self, tx: dict[str, Any]) -> SignedTransaction:
        signed = self._account.sign_transaction(tx)
        return SignedTransaction(raw=bytes(signed.raw_transaction), hash="0x" + signed.hash.hex())


def signer_from_secrets(*, required: bool = True) -> Signer | None:
    key = get_secret(SIGNER_SECRET, required=required)
    if key is None:
        return None
    return Signer(Account.from_key(key))
