#!/usr/bin/env bash
# The engine's checks: rustfmt, clippy (warnings are errors), the core's tests, and stubtest
# of the installed module against engine_rs.pyi.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="$ROOT/.venv/bin/python"
export PATH="$HOME/.cargo/bin:$PATH"
export PYO3_PYTHON="$PY"
cd "$ROOT/engine_rs"

cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --locked
bash "$ROOT/engine_rs/build.sh"
cd "$ROOT/engine_rs/crates/engine-py"
"$PY" -m mypy.stubtest engine_rs \
    --mypy-config-file stubtest.ini --allowlist stubtest-allowlist.txt
