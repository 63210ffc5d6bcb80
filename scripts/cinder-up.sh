#!/usr/bin/env bash
# Starts OpenStack Cinder (Debian python3-cinder, Zed 21.x) on 127.0.0.1 for the Cinder client
# and Cinder volume plugin tests, without RabbitMQ, Keystone or LVM:
#  - api, scheduler, volume and backup run in ONE process (scripts/cinder-aio/cinder_aio.py)
#    with transport_url = fake:/ (oslo.messaging's in-process driver);
#  - auth_strategy = noauth_include_project_id: requests send `X-Auth-Token: <user>:<project>`
#    and URLs are /v3/<project>/...; project ids must be hex or UUIDs ([0-9a-f-]+, else 404);
#    every such context is admin;
#  - volume driver scripts/cinder-aio/karbor_file_driver.py: each volume is a sparse file
#    $CINDER_BASE/state/volumes/volume-<id> attached as an os-brick "local" device, so backups
#    and restores move real bytes (tests write a volume's data straight into its file);
#  - backups: CINDER_BACKUP=posix (default: files under $CINDER_BASE/backups) or
#    CINDER_BACKUP=swift (the Swift of scripts/swift-up.sh, tempauth test:tester/testing,
#    container `volumebackups`).
#
# Idempotent: installs cinder-common and dmidecode when missing, (re)writes the config, creates
# the database once, starts the process only when it is not running, and waits until the API
# answers and the scheduler, volume and backup services all report "up". A second call while it
# runs is a no-op. Stop with scripts/cinder-down.sh [--purge].
#
# Env knobs (defaults):
#   KARBOR_SERVICES_DIR=/tmp/karbor-ts-services   state root shared by the scripts
#   CINDER_BASE=$KARBOR_SERVICES_DIR/cinder       config, database, volumes, backups, PID file, logs
#   CINDER_PORT=8776  CINDER_BACKUP=posix  SWIFT_PORT=8080
# scripts/services-env.sh prints the KARBOR_TEST_CINDER_* variables the tests read.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

CINDER_BASE=${CINDER_BASE:-$KARBOR_SERVICES_DIR/cinder}
CINDER_PORT=${CINDER_PORT:-8776}
CINDER_BACKUP=${CINDER_BACKUP:-posix}
SWIFT_PORT=${SWIFT_PORT:-8080}
# any hex id will do for the readiness probe (noauth contexts are admin)
PROBE_PROJECT=00000000000000000000000000000000
ETC=$CINDER_BASE/etc RUN=$CINDER_BASE/run LOG=$CINDER_BASE/log STATE=$CINDER_BASE/state
CONF=$ETC/cinder.conf
AIO=$HERE/cinder-aio
T0=$(now_ms)

services_up() { # how many of the scheduler, volume and backup services report "up"
  curl -s --max-time 2 -H "X-Auth-Token: karbor:$PROBE_PROJECT" \
    "http://127.0.0.1:$CINDER_PORT/v3/$PROBE_PROJECT/os-services" 2>/dev/null \
    | grep -o '"state": *"up"' | wc -l
}

# Fast path: it runs (with this config file) and all services are up.
if pid_alive "$RUN/cinder-aio.pid" "$CONF" && [ "$(services_up)" -ge 3 ]; then
  log "cinder already running: http://127.0.0.1:$CINDER_PORT (backups: $(cat "$ETC/backup-mode" 2>/dev/null || echo '?'))"
  exit 0
fi

# cinder-common brings python3-cinder (os-brick, oslo.*) and the rootwrap config; the
# cinder-api/-scheduler/-volume/-backup packages would only add init scripts and /usr/bin
# wrappers (and cinder-volume drags in lvm2). dmidecode: os-brick's nvmeof connector runs it
# for the host UUID when /sys/class/dmi is absent (as in this VM): without it every backup
# fails with FileNotFoundError and stays "creating".
ensure_pkgs cinder-common dmidecode curl
mkdir -p "$ETC" "$RUN" "$LOG" "$STATE/volumes" "$CINDER_BASE/backups" "$CINDER_BASE/lock"
cp /etc/cinder/api-paste.ini "$ETC/api-paste.ini"

case $CINDER_BACKUP in
  posix) BACKUP_CONF="backup_driver = cinder.backup.drivers.posix.PosixBackupDriver
backup_posix_path = $CINDER_BASE/backups" ;;
  swift) BACKUP_CONF="backup_driver = cinder.backup.drivers.swift.SwiftBackupDriver
backup_swift_auth = single_user
backup_swift_auth_version = 1
backup_swift_auth_url = http://127.0.0.1:$SWIFT_PORT/auth/v1.0
backup_swift_user = test:tester
backup_swift_key = testing
backup_swift_container = volumebackups
backup_swift_object_size = 52428800
backup_swift_block_size = 32768" ;;
  *) die "CINDER_BACKUP must be posix or swift" ;;
esac

cat > "$CONF" <<EOF
[DEFAULT]
auth_strategy = noauth_include_project_id
osapi_volume_listen = 127.0.0.1
osapi_volume_listen_port = $CINDER_PORT
osapi_volume_workers = 1
api_paste_config = $ETC/api-paste.ini
state_path = $STATE
log_dir = $LOG
my_ip = 127.0.0.1
host = karbor-cinder
transport_url = fake:/
enabled_backends = file
default_volume_type = __DEFAULT__
rootwrap_config = /etc/cinder/rootwrap.conf
report_interval = 5
service_down_time = 60
debug = false
$BACKUP_CONF

[database]
connection = sqlite:///$STATE/cinder.sqlite

[oslo_concurrency]
lock_path = $CINDER_BASE/lock

[coordination]
backend_url = file://$CINDER_BASE/lock

[file]
volume_driver = karbor_file_driver.FileVolumeDriver
volume_backend_name = file
EOF

if [ ! -s "$STATE/cinder.sqlite" ] || [ ! -e "$STATE/.db_synced" ]; then
  rm -f "$STATE/cinder.sqlite"
  t=$(now_ms)
  cinder-manage --config-file "$CONF" db sync >"$LOG/db_sync.log" 2>&1 \
    || { tail -20 "$LOG/db_sync.log" >&2; die "cinder-manage db sync failed"; }
  touch "$STATE/.db_synced"
  log "cinder db sync took $(( $(now_ms) - t )) ms"
fi

if pid_alive "$RUN/cinder-aio.pid" "$CONF"; then
  prev=$(cat "$ETC/backup-mode" 2>/dev/null || echo "")
  [ "$prev" = "$CINDER_BACKUP" ] || log "cinder runs with backups '$prev'; run scripts/cinder-down.sh first to switch to '$CINDER_BACKUP'"
else
  assert_port_free "$CINDER_PORT"
  echo "$CINDER_BACKUP" > "$ETC/backup-mode"
  # Debian's /usr/bin/python3 on purpose: a pyenv python3 on PATH lacks the cinder modules.
  # Bytecode of the shim goes to the state dir, not into the work tree.
  PYTHONPATH=$AIO PYTHONPYCACHEPREFIX=$CINDER_BASE/pycache start_bg "$RUN/cinder-aio.pid" "$LOG/cinder-aio.stdout" \
    /usr/bin/python3 "$AIO/cinder_aio.py" --config-file "$CONF"
fi
wait_http "http://127.0.0.1:$CINDER_PORT/" 60 \
  || { tail -30 "$LOG/cinder-aio.stdout" >&2 || true; die "the cinder API did not come up; see $LOG"; }
# ready = the scheduler, volume and backup services report "up"
for ((i = 0; i < 300; i++)); do
  [ "$(services_up)" -ge 3 ] && break
  pid_alive "$RUN/cinder-aio.pid" "$CONF" || { tail -30 "$LOG/cinder-aio.stdout" >&2 || true; die "cinder-aio exited; see $LOG"; }
  sleep 0.1
done
[ "$i" -lt 300 ] || die "cinder services are not all up after 30 s; see $LOG"
log "cinder up in $(( $(now_ms) - T0 )) ms: http://127.0.0.1:$CINDER_PORT/v3/<hex project> (backups: $CINDER_BACKUP); logs in $LOG"
