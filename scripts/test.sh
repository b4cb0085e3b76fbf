#!/usr/bin/env bash
# The whole test suite: linters, the Rust engine's checks, the contracts' checks, and pytest
# against real PostgreSQL and Redis (started here when they are not running).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
PY=${VENV:-.venv}/bin

bash scripts/services.sh start
# The browser tests drive Debian's Chromium through pip's Playwright (never `playwright install`).
command -v chromium >/dev/null || { log "installing Chromium (Debian package) for the browser tests"; apt_install chromium; }
trap 'bash scripts/services.sh stop' EXIT

export DJANGO_SETTINGS_MODULE=config.settings.test
export DATABASE_URL=${TEST_DATABASE_URL:-postgres://arbx:arbx@127.0.0.1:5432/arbx}
export REDIS_URL=${TEST_REDIS_URL:-redis://127.0.0.1:6379/15}

bash scripts/lint.sh
log "engine_rs: cargo fmt, clippy, cargo test, stubtest"
bash engine_rs/check.sh
log "contracts: forge fmt, build, test, gas snapshot"
bash contracts/check.sh
log "pytest against PostgreSQL and Redis"
"$PY/pytest" "$@"
