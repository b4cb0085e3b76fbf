"""Everything that talks to an EVM node: the one RPC client, contract calls and artifacts,
signing."""
