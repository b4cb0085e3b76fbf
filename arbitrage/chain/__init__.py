"""Everything that talks to an EVM node: the one RPC client, contract artifacts, nonces, signing."""
