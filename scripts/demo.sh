#!/usr/bin/env bash
# The demo: the whole product on embedded defaults (SQLite, kombu's filesystem broker).
# Ctrl-C stops everything this script started.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
PY=${VENV:-.venv}/bin
export DJANGO_SETTINGS_MODULE=config.settings.local
export ARBX_RUN_DIR=$RUN_DIR
PORT=${ARBX_PORT:-8000}
LOGS=$RUN_DIR/logs
mkdir -p "$LOGS" "$RUN_DIR/broker/queue" "$RUN_DIR/broker/processed"

pids=()
stop_all() {
  trap - INT TERM EXIT
  echo
  log "stopping the demo"
  for pid in "${pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  done
  log "stopped"
}
trap stop_all INT TERM EXIT

# Each part runs in its own process group so that Ctrl-C takes its children too.
start() {
  local name=$1; shift
  setsid "$@" >"$LOGS/$name.log" 2>&1 &
  pids+=("$!")
  log "$name started (pid $!, log $LOGS/$name.log)"
}

log "migrating the database ($RUN_DIR/demo.sqlite3)"
"$PY/python" manage.py migrate --noinput >/dev/null
log "loading the seed market"
"$PY/python" manage.py seed_demo
ADMIN_USER=${ARBX_ADMIN_USER:-admin}
if [ -z "${ARBX_ADMIN_PASSWORD:-}" ]; then
  ARBX_ADMIN_PASSWORD=$("$PY/python" -c 'import secrets; print(secrets.token_urlsafe(12))')
fi
ARBX_ADMIN_USER=$ADMIN_USER ARBX_ADMIN_PASSWORD=$ARBX_ADMIN_PASSWORD "$PY/python" manage.py ensure_admin

start web "$PY/python" manage.py runserver "127.0.0.1:$PORT" --noreload
start worker "$PY/celery" -A config worker -Q default,sync,scan,execute -c 2 --loglevel INFO
start beat "$PY/celery" -A config beat --loglevel INFO -s "$RUN_DIR/celerybeat-schedule"

if ! wait_for 60 curl -sf "http://127.0.0.1:$PORT/readyz"; then
  echo "the web server did not become ready; see $LOGS/web.log" >&2
  exit 1
fi
cat <<MSG

  ArbitrageX Plus is running (demo, embedded defaults)
    console:  http://127.0.0.1:$PORT/
    admin:    http://127.0.0.1:$PORT/admin/   user: $ADMIN_USER   password: $ARBX_ADMIN_PASSWORD
    ready:    http://127.0.0.1:$PORT/readyz
  Press Ctrl-C to stop.

MSG
while true; do
  for pid in "${pids[@]}"; do
    if ! kill -0 "$pid" 2>/dev/null; then echo "a demo process ($pid) exited; see $LOGS" >&2; exit 1; fi
  done
  sleep 1
done
