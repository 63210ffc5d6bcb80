#!/usr/bin/env bash
# Stops the Cinder all-in-one process started by scripts/cinder-up.sh: only the process named in
# its PID file, plus what it spawned in its own session (os-brick's privsep-helper).
# --purge also deletes its state (config, database, volume files, backups, logs).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
CINDER_BASE=${CINDER_BASE:-$KARBOR_SERVICES_DIR/cinder}
stop_pid "$CINDER_BASE/run/cinder-aio.pid" "$CINDER_BASE/etc/cinder.conf" 15
if [ "${1:-}" = --purge ]; then rm -rf "$CINDER_BASE"; fi
log "cinder down"
