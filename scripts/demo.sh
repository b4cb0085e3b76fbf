#!/usr/bin/env bash
# The demo: the whole product on embedded defaults (SQLite, a Redis of its own, a local anvil).
# Ctrl-C stops everything this script started.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
PY=${VENV:-.venv}/bin
export DJANGO_SETTINGS_MODULE=config.settings.local
export ARBX_RUN_DIR=$RUN_DIR
PORT=${ARBX_PORT:-8000}
LOGS=$RUN_DIR/logs
mkdir -p "$LOGS"

pids=()
stop_all() {
  # Stop the processes first, whatever happens to our own output (a closed terminal or pipe
  # must not kill this handler half-way and leave them running).
  trap '' INT TERM PIPE
  trap - EXIT
  for pid in "${pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  done
  {
    echo
    log "stopped the demo"
    summary=$("$PY/python" manage.py trading_summary 2>/dev/null || true)
    if [ -n "$summary" ]; then printf '\n%s\n\n' "$summary"; fi
  } || true
  exit 0
}
trap stop_all INT TERM EXIT

# Each part runs in its own process group so that Ctrl-C takes its children too.
start() {
  local name=$1; shift
  setsid "$@" >"$LOGS/$name.log" 2>&1 &
  pids+=("$!")
  log "$name started (pid $!, log $LOGS/$name.log)"
}

# anvil's chain is new on every start, so the demo's database is too.
rm -f "$RUN_DIR/demo.sqlite3" "$RUN_DIR/celerybeat-schedule"*
log "migrating the database ($RUN_DIR/demo.sqlite3)"
"$PY/python" manage.py migrate --noinput >/dev/null
log "loading the seed market"
"$PY/python" manage.py seed_demo
ADMIN_USER=${ARBX_ADMIN_USER:-admin}
if [ -z "${ARBX_ADMIN_PASSWORD:-}" ]; then
  ARBX_ADMIN_PASSWORD=$("$PY/python" -c 'import secrets; print(secrets.token_urlsafe(12))')
fi
ARBX_ADMIN_USER=$ADMIN_USER ARBX_ADMIN_PASSWORD=$ARBX_ADMIN_PASSWORD "$PY/python" manage.py ensure_admin
if [ -z "${ARBX_COMPLIANCE_PASSWORD:-}" ]; then
  ARBX_COMPLIANCE_PASSWORD=$("$PY/python" -c 'import secrets; print(secrets.token_urlsafe(12))')
fi
log "seeding the compliance side: officers, a small sanctions list, a KYC queue"
ARBX_COMPLIANCE_PASSWORD=$ARBX_COMPLIANCE_PASSWORD "$PY/python" manage.py seed_compliance_demo

ANVIL_PORT=${ARBX_ANVIL_PORT:-8545}
RPC="http://127.0.0.1:$ANVIL_PORT"
rpc() { curl -sf -H 'Content-Type: application/json' -d "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$1\",\"params\":$2}" "$RPC"; }
if rpc eth_chainId '[]' >/dev/null 2>&1; then
  echo "something already answers on $RPC; stop it or set ARBX_ANVIL_PORT" >&2; exit 1
fi
start anvil contracts/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil \
  --host 127.0.0.1 --port "$ANVIL_PORT" --chain-id 31337 --balance 100000000
wait_for 20 rpc eth_chainId '[]' || { echo "anvil did not start" >&2; exit 1; }
log "deploying Uniswap V2, a dozen tokens, pools with real reserves and the executor"
"$PY/python" manage.py localnet_deploy --rpc-url "$RPC" --out "$RUN_DIR/market.json"
rpc evm_setIntervalMining '[1]' >/dev/null  # from now on, a block every second

# The demo trades live on its own local chain, signing with anvil's first well-known
# development key. DEVELOPMENT ONLY: this key is public; never use it anywhere real.
export ARBX_EXECUTION_MODE=live
export ARBX_SIGNER_KEY=0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80
export ARBX_RPC_URL=$RPC

# The broker: a Redis of the demo's own on loopback, gone when the demo stops. (kombu's
# filesystem transport, the no-server default of the local settings, loses races between
# several workers reading one folder: fine for one worker, not for the demo's three.)
REDIS_PORT=${ARBX_DEMO_REDIS_PORT:-6390}
command -v redis-server >/dev/null || { log "installing Redis (Debian package)"; apt_install redis-server; }
start redis redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no
wait_for 15 redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping || { echo "Redis did not start" >&2; exit 1; }
export REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"

start web "$PY/python" manage.py runserver "127.0.0.1:$PORT" --noreload
# One worker per queue (bulkheads): a slow sync never delays an execution. The solo pool runs
# each task in the worker process itself: no hand-off to a pool child on the hot path.
start worker-sync "$PY/celery" -A config worker -Q sync -P solo -n sync@%h --loglevel INFO
start worker-scan "$PY/celery" -A config worker -Q scan -P solo -n scan@%h --loglevel INFO
start worker-execute "$PY/celery" -A config worker -Q execute,default -P solo -n execute@%h --loglevel INFO
start beat "$PY/celery" -A config beat --loglevel INFO -s "$RUN_DIR/celerybeat-schedule"
start watcher "$PY/python" manage.py watch_blocks --chain-id 31337 --ws-url "${RPC/http:/ws:}"
start market "$PY/python" manage.py market_maker --rpc-url "$RPC" --market "$RUN_DIR/market.json" --interval 1.5

if ! wait_for 60 curl -sf "http://127.0.0.1:$PORT/readyz"; then
  echo "the web server did not become ready; see $LOGS/web.log" >&2
  exit 1
fi
cat <<MSG

  ArbitrageX Plus is running (demo, embedded defaults)
    console:  http://127.0.0.1:$PORT/
    admin:    http://127.0.0.1:$PORT/admin/   user: $ADMIN_USER   password: $ARBX_ADMIN_PASSWORD
    KYC queue: http://127.0.0.1:$PORT/admin/compliance/kyccase/   user: compliance   password: $ARBX_COMPLIANCE_PASSWORD
    ready:    http://127.0.0.1:$PORT/readyz
    chain:    $RPC (anvil, a block every second; a market maker swaps at random)
  The bot trades live on this local chain. Press Ctrl-C to stop and see the summary.

MSG
while true; do
  for pid in "${pids[@]}"; do
    if ! kill -0 "$pid" 2>/dev/null; then echo "a demo process ($pid) exited; see $LOGS" >&2; exit 1; fi
  done
  sleep 1
done
