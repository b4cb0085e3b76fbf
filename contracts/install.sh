#!/usr/bin/env bash
# Installs the contracts toolchain from npm, offline-capable afterwards: forge and anvil (@foundry-rs 1.7.1),
# the WebAssembly solc behind tools/solc, forge-std (@layerzerolabs/toolbox-foundry) and the compiled
# Uniswap V2 artifacts (@uniswap/v2-core, @uniswap/v2-periphery). Exactly the committed package-lock.json.
# Idempotent: does nothing when node_modules already matches the lock file.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

for tool in node npm; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "contracts/install.sh: $tool is required (Node.js 20 or later)" >&2
        exit 1
    fi
done

stamp=node_modules/.arbitragex-installed # a copy of the lock file that was installed
if [[ -f "$stamp" ]] && cmp -s package-lock.json "$stamp" && bin/forge --version >/dev/null 2>&1 \
    && bin/anvil --version >/dev/null 2>&1; then
    exit 0
fi

# --ignore-scripts: the @foundry-rs postinstall only re-downloads a binary when the platform package is
# missing; the binaries come with the optional platform packages (see ../shared/RECIPES.md).
npm ci --ignore-scripts --prefer-offline --no-audit --no-fund --loglevel=error
bin/forge --version | sed -n 1p
bin/anvil --version | sed -n 1p
tools/solc --version | tail -n 1
cp package-lock.json "$stamp"
