"""A local market for development, the demo and the tests: anvil and the real Uniswap V2 contracts.

Nothing here is used against a real chain. The keys below are anvil's well-known
development keys, public on purpose: DEVELOPMENT ONLY.
"""
