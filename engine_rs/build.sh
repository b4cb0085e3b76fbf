#!/usr/bin/env bash
# Builds the Python module `engine_rs` into the project's virtual environment with maturin.
# Quick when nothing changed: skips the build if the installed module is newer than every
# source file of the workspace.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
export PATH="$HOME/.cargo/bin:$PATH"
cd "$ROOT"

installed="$(ls "$VENV"/lib/python3*/site-packages/engine_rs/engine_rs*.so 2>/dev/null | head -n 1 || true)"
if [[ -n "$installed" ]]; then
    newer="$(find engine_rs/Cargo.toml engine_rs/Cargo.lock engine_rs/crates -type f -newer "$installed" 2>/dev/null | head -n 1)"
    if [[ -z "$newer" ]]; then
        echo "engine_rs: up to date ($installed)"
        exit 0
    fi
fi
VIRTUAL_ENV="$VENV" "$VENV/bin/maturin" develop --release --locked \
    -m engine_rs/crates/engine-py/Cargo.toml
