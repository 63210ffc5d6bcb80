#!/usr/bin/env bash
# Stops the Swift started by scripts/swift-up.sh: only the processes named in its PID files.
# --purge also deletes its state (configs, rings, stored objects, logs).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
SWIFT_BASE=${SWIFT_BASE:-$KARBOR_SERVICES_DIR/swift}
ETC=$SWIFT_BASE/etc RUN=$SWIFT_BASE/run
stop_pid "$RUN/proxy.pid"          "$ETC/proxy-server.conf"
stop_pid "$RUN/object-updater.pid" "swift-object-updater $ETC/object-server.conf"
stop_pid "$RUN/object.pid"         "$ETC/object-server.conf"
stop_pid "$RUN/container.pid"      "$ETC/container-server.conf"
stop_pid "$RUN/account.pid"        "$ETC/account-server.conf"
stop_pid "$RUN/memcached.pid"      "memcached"
if [ "${1:-}" = --purge ]; then
  # SWIFT_DEVICES may live outside SWIFT_BASE (e.g. on /dev/shm)
  [ -n "${SWIFT_DEVICES:-}" ] && rm -rf "$SWIFT_DEVICES"
  rm -rf "$SWIFT_BASE"
fi
log "swift down"
