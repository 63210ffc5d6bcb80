#!/usr/bin/env bash
# Stops the Glance API started by scripts/glance-up.sh: only the process named in its PID file.
# --purge also deletes its state (config, database, stored images, logs).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
GLANCE_BASE=${GLANCE_BASE:-$KARBOR_SERVICES_DIR/glance}
stop_pid "$GLANCE_BASE/run/glance-api.pid" "$GLANCE_BASE/etc/glance-api.conf" 15
if [ "${1:-}" = --purge ]; then rm -rf "$GLANCE_BASE"; fi
log "glance down"
