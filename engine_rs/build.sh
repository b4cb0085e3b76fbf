#!/usr/bin/env bash
# Builds the Python module `engine_rs` into the project's virtual environment with maturin.
# Quick when nothing changed: skips the build if the installed module is newer than every
# source file of the workspace.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
export PATH="$HOME/.cargo/bin:$PATH"
cd "$ROOT"

installed=""
for candidate in "$VENV"/lib/python3*/site-packages/engine_rs/engine_rs*.so; do
    [[ -f "$candidate" ]] && { installed="$candidate"; break; }
done
if [[ -n "$installed" ]]; then
    # -print -quit, not `| head -n 1`: under pipefail, head closing the pipe early makes find
    # die of SIGPIPE (exit 141) and the script with it.
    newer="$(find engine_rs/Cargo.toml engine_rs/Cargo.lock engine_rs/.cargo engine_rs/crates -type f -newer "$installed" -print -quit 2>/dev/null)"
    if [[ -z "$newer" ]]; then
        echo "engine_rs: up to date ($installed)"
        exit 0
    fi
fi
# From engine_rs/, so that cargo reads engine_rs/.cargo/config.toml (the target CPU level).
cd engine_rs
VIRTUAL_ENV="$VENV" "$VENV/bin/maturin" develop --release --locked \
    -m crates/engine-py/Cargo.toml
