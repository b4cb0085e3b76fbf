#!/usr/bin/env bash
# The contracts' test command: formatting, a warning-free build (lints included), the whole forge suite
# (unit, weird tokens, fuzz and invariant with a fixed seed) and the committed gas snapshot in snapshots/.
# Offline; run from anywhere. Update the snapshot after an intended gas change with:
#   contracts/bin/forge test --root contracts --match-path 'test/gas/*'   (then commit contracts/snapshots/)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
bash install.sh

export FOUNDRY_PROFILE=default
bin/forge fmt --check
bin/forge build
FORGE_SNAPSHOT_CHECK=true bin/forge test
