#!/usr/bin/env bash
# Stops what scripts/keystone-up.sh started: Keystone and the Swift proxy that authenticates
# with it (only the processes named in their PID files). --purge also deletes Keystone's state
# (config, database, keys, logs).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
KEYSTONE_BASE=${KEYSTONE_BASE:-$KARBOR_SERVICES_DIR/keystone}
stop_pid "$KEYSTONE_BASE/run/swift-proxy.pid" "$KEYSTONE_BASE/etc/swift-proxy-keystone.conf" 10
stop_pid "$KEYSTONE_BASE/run/keystone.pid" "$KEYSTONE_BASE/etc/keystone.conf" 10
if [ "${1:-}" = --purge ]; then rm -rf "$KEYSTONE_BASE"; fi
log "keystone down"
