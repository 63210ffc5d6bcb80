#!/usr/bin/env bash
# Starts a standalone OpenStack Glance API (Debian glance-api, Zed 25.x) on 127.0.0.1 for the
# Glance client and Glance image plugin tests: sqlite database, file store, no Keystone.
#
# Auth (GLANCE_AUTH):
#   trusted (default)  Keystone's `context` middleware without `authtoken`: Glance trusts the
#                      identity headers keystonemiddleware would set. Every request sends
#                      X-Identity-Status: Confirmed, X-Project-Id, X-User-Id and X-Roles
#                      (e.g. admin,member,reader), or gets 401. Images get a real per-project
#                      owner, and stage + import (glance-direct) works.
#   unauth             no headers at all; every request is an admin context with no project
#                      (owner null, image import fails with 500).
#
# Idempotent: installs glance-api when missing, (re)writes the config, creates the database
# once, starts the API only when it is not running, and waits until /healthcheck answers.
# A second call while it runs is a no-op. Stop with scripts/glance-down.sh [--purge].
#
# Env knobs (defaults):
#   KARBOR_SERVICES_DIR=/tmp/karbor-ts-services   state root shared by the scripts
#   GLANCE_BASE=$KARBOR_SERVICES_DIR/glance       config, database, images, PID file, logs
#   GLANCE_PORT=9292  GLANCE_AUTH=trusted
# scripts/services-env.sh prints the KARBOR_TEST_GLANCE_* variables the tests read.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

GLANCE_BASE=${GLANCE_BASE:-$KARBOR_SERVICES_DIR/glance}
GLANCE_PORT=${GLANCE_PORT:-9292}
GLANCE_AUTH=${GLANCE_AUTH:-trusted}
case $GLANCE_AUTH in
  trusted) FLAVOR=trusted ;;
  unauth) FLAVOR="" ;;
  *) die "GLANCE_AUTH must be trusted or unauth" ;;
esac
ETC=$GLANCE_BASE/etc RUN=$GLANCE_BASE/run LOG=$GLANCE_BASE/log DATA=$GLANCE_BASE/data
CONF=$ETC/glance-api.conf
T0=$(now_ms)

# Fast path: it runs (with this config file) and answers.
if pid_alive "$RUN/glance-api.pid" "$CONF" && curl -sf -o /dev/null --max-time 2 "http://127.0.0.1:$GLANCE_PORT/healthcheck"; then
  log "glance already running: http://127.0.0.1:$GLANCE_PORT (auth: $(cat "$ETC/auth-mode" 2>/dev/null || echo '?'))"
  exit 0
fi

# glance-api pulls ~130 packages (~195 MB) on a fresh machine, about 30 s
ensure_pkgs glance-api curl
mkdir -p "$ETC" "$RUN" "$LOG" "$DATA/images" "$DATA/staging" "$DATA/tasks" "$DATA/lock"

# `glance-api --config-file X` reads only X (and the paste file it names): /etc/glance stays untouched.
cp /etc/glance/glance-api-paste.ini "$ETC/glance-api-paste.ini"
cat >> "$ETC/glance-api-paste.ini" <<'EOF'

# Keystone-less "trusted headers": keystonemiddleware's context without authtoken
[pipeline:glance-api-trusted]
pipeline = cors healthcheck http_proxy_to_wsgi versionnegotiation osprofiler context rootapp
EOF
cat > "$CONF" <<EOF
[DEFAULT]
bind_host = 127.0.0.1
bind_port = $GLANCE_PORT
# workers = 0: one process, so the PID file names the server itself (1 would fork a worker, +145 MB)
workers = 0
log_file = $LOG/glance-api.log
debug = false
enabled_backends = fs:file
enabled_import_methods = [glance-direct,web-download,copy-image]

[database]
connection = sqlite:///$DATA/glance.sqlite

[glance_store]
default_backend = fs

[fs]
filesystem_store_datadir = $DATA/images/

[os_glance_staging_store]
filesystem_store_datadir = $DATA/staging/

[os_glance_tasks_store]
filesystem_store_datadir = $DATA/tasks/

[oslo_concurrency]
lock_path = $DATA/lock

[paste_deploy]
# "" -> pipeline glance-api (unauthenticated-context); "trusted" -> glance-api-trusted above
flavor = $FLAVOR
config_file = $ETC/glance-api-paste.ini

[oslo_policy]
enforce_scope = false
enforce_new_defaults = false

[image_format]
disk_formats = raw,qcow2,vmdk,vdi,iso,ami,ari,aki,vhd,vhdx,ploop
EOF

if [ ! -s "$DATA/glance.sqlite" ] || [ ! -e "$DATA/.db_synced" ]; then
  rm -f "$DATA/glance.sqlite"
  t=$(now_ms)
  glance-manage --config-file "$CONF" db_sync >"$LOG/db_sync.log" 2>&1 \
    || { tail -20 "$LOG/db_sync.log" >&2; die "glance-manage db_sync failed"; }
  touch "$DATA/.db_synced"
  log "glance db_sync took $(( $(now_ms) - t )) ms"
fi

if pid_alive "$RUN/glance-api.pid" "$CONF"; then
  # running but not answering yet (or started with another auth mode: restart it to switch)
  prev=$(cat "$ETC/auth-mode" 2>/dev/null || echo "")
  [ "$prev" = "$GLANCE_AUTH" ] || log "glance-api runs with auth '$prev'; run scripts/glance-down.sh first to switch to '$GLANCE_AUTH'"
else
  assert_port_free "$GLANCE_PORT"
  echo "$GLANCE_AUTH" > "$ETC/auth-mode"
  start_bg "$RUN/glance-api.pid" "$LOG/glance-api.stdout" glance-api --config-file "$CONF"
fi
wait_http "http://127.0.0.1:$GLANCE_PORT/healthcheck" 60 \
  || { tail -30 "$LOG/glance-api.log" "$LOG/glance-api.stdout" >&2 2>/dev/null || true; die "glance-api did not come up; see $LOG"; }
log "glance up in $(( $(now_ms) - T0 )) ms: http://127.0.0.1:$GLANCE_PORT (auth: $GLANCE_AUTH); logs in $LOG"
