"""The fast lane: the block watcher trades the newest block's best cycle in its own process.

`fastlane.py` follows the chain and plans each block; `sql.py` records a trade in plain SQL on
PostgreSQL (the ORM path elsewhere), with every rule from `arbitrage/pipeline/rules.py`;
`laps.py` times the phases.
"""
