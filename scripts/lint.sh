#!/usr/bin/env bash
# Python linters and the type checker (Rust and Solidity formatters run in their own checks).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
PY=${VENV:-.venv}/bin
log "ruff check"
"$PY/ruff" check .
log "ruff format --check"
"$PY/ruff" format --check .
log "mypy (strict, django-stubs)"
DJANGO_SETTINGS_MODULE=config.settings.test "$PY/mypy" .
log "makemigrations --check (every model change has its migration)"
DJANGO_SETTINGS_MODULE=config.settings.test "$PY/python" manage.py makemigrations --check --dry-run
