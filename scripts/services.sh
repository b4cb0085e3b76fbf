#!/usr/bin/env bash
# Start (or stop) the PostgreSQL and Redis that the test suite runs against.
# Installs the Debian packages when they are missing; starts only what is not running,
# and `stop` stops only what `start` started.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

PG_PORT=${PG_PORT:-5432}
REDIS_PORT=${REDIS_PORT:-6379}
DB_USER=${ARBX_DB_USER:-arbx}
DB_NAME=${ARBX_DB_NAME:-arbx}
STARTED=$RUN_DIR/services-started

pg_version() { ls /usr/lib/postgresql/ 2>/dev/null | sort -V | tail -1; }

start_postgres() {
  if pg_isready -q -h 127.0.0.1 -p "$PG_PORT" 2>/dev/null; then
    log "PostgreSQL already answers on 127.0.0.1:$PG_PORT"
  else
    if [ -z "$(pg_version)" ] || [ ! -x "/usr/lib/postgresql/$(pg_version)/bin/postgres" ]; then
      log "installing PostgreSQL (Debian package)"
      apt_install postgresql
    fi
    local ver; ver=$(pg_version)
    if ! pg_lsclusters -h 2>/dev/null | awk '{print $1" "$2}' | grep -x "$ver main" >/dev/null; then
      as_root pg_createcluster "$ver" main >/dev/null
    fi
    log "starting PostgreSQL $ver on 127.0.0.1:$PG_PORT"
    as_root pg_ctlcluster "$ver" main start
    echo postgres >>"$STARTED"
    wait_for 30 pg_isready -q -h 127.0.0.1 -p "$PG_PORT" || { echo "PostgreSQL did not start" >&2; exit 1; }
  fi
  # The test role may create databases (pytest-django makes test_arbx) and, as the owner of
  # the test cluster, bypass triggers in the audit-log tamper test.
  as_root su postgres -c "psql -p $PG_PORT -qtAc \"SELECT 1 FROM pg_roles WHERE rolname='$DB_USER'\"" | grep 1 >/dev/null \
    || as_root su postgres -c "psql -p $PG_PORT -qc \"CREATE ROLE $DB_USER LOGIN SUPERUSER PASSWORD '$DB_USER'\""
  as_root su postgres -c "psql -p $PG_PORT -qtAc \"SELECT 1 FROM pg_database WHERE datname='$DB_NAME'\"" | grep 1 >/dev/null \
    || as_root su postgres -c "createdb -p $PG_PORT -O $DB_USER $DB_NAME"
}

start_redis() {
  if redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null | grep PONG >/dev/null; then
    log "Redis already answers on 127.0.0.1:$REDIS_PORT"
    return
  fi
  command -v redis-server >/dev/null || { log "installing Redis (Debian package)"; apt_install redis-server; }
  log "starting Redis on 127.0.0.1:$REDIS_PORT"
  redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no \
    --pidfile "$RUN_DIR/redis.pid" --logfile "$RUN_DIR/redis.log"
  echo redis >>"$STARTED"
  wait_for 15 redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping || { echo "Redis did not start" >&2; exit 1; }
}

stop_started() {
  [ -f "$STARTED" ] || return 0
  if grep -qx redis "$STARTED"; then
    log "stopping Redis"; redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
  fi
  if grep -qx postgres "$STARTED"; then
    log "stopping PostgreSQL"; as_root pg_ctlcluster "$(pg_version)" main stop || true
  fi
  rm -f "$STARTED"
}

case "${1:-start}" in
  start) start_postgres; start_redis ;;
  stop) stop_started ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
