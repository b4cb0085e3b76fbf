# Shared helpers for the scripts: sourced, not run.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUN_DIR=${ARBX_RUN_DIR:-$ROOT/.run}
mkdir -p "$RUN_DIR"

log() { printf '\033[1;34m==>\033[0m %s %s\n' "$(date +%T)" "$*"; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "need root (or sudo) to run: $*" >&2; return 1; fi
}

APT_UPDATED=$RUN_DIR/.apt-updated
apt_install() {
  if [ ! -f "$APT_UPDATED" ]; then as_root apt-get update -qq && touch "$APT_UPDATED"; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# Wait until a command succeeds, at most $1 seconds.
wait_for() {
  local timeout=$1; shift
  local end=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    if [ $SECONDS -ge $end ]; then return 1; fi
    sleep 0.2
  done
}
