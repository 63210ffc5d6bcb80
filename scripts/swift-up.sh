#!/usr/bin/env bash
# Starts a single-node OpenStack Swift on 127.0.0.1 with tempauth and the s3api layer
# (one replica), for the Swift and S3 bank drivers' tests and benches.
#
# Idempotent: installs the Debian packages when missing, (re)writes the configs, builds the
# rings once, starts only what is not running yet, and waits until every server answers.
# A second call while everything runs is a no-op. Stop with scripts/swift-down.sh.
#
# Env knobs (defaults):
#   KARBOR_SERVICES_DIR=/tmp/karbor-ts-services   state root shared by the scripts
#   SWIFT_BASE=$KARBOR_SERVICES_DIR/swift         configs, rings, PID files, logs
#   SWIFT_DEVICES=$SWIFT_BASE/devices             object storage (needs user xattrs)
#   SWIFT_PORT=8080  SWIFT_OBJ_PORT=6200  SWIFT_CONT_PORT=6201  SWIFT_ACC_PORT=6202
#   SWIFT_MEMCACHED_PORT=11211
#
# Credentials: Swift v1 auth  http://127.0.0.1:$SWIFT_PORT/auth/v1.0, user test:tester, key testing
#              S3 (s3api)     endpoint http://127.0.0.1:$SWIFT_PORT, access key test:tester,
#                             secret testing, region us-east-1, path-style addressing
# scripts/services-env.sh prints these as the KARBOR_TEST_* variables the tests read.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

SWIFT_BASE=${SWIFT_BASE:-$KARBOR_SERVICES_DIR/swift}
SWIFT_DEVICES=${SWIFT_DEVICES:-$SWIFT_BASE/devices}
SWIFT_PORT=${SWIFT_PORT:-8080}
SWIFT_OBJ_PORT=${SWIFT_OBJ_PORT:-6200}
SWIFT_CONT_PORT=${SWIFT_CONT_PORT:-6201}
SWIFT_ACC_PORT=${SWIFT_ACC_PORT:-6202}
SWIFT_MEMCACHED_PORT=${SWIFT_MEMCACHED_PORT:-11211}
ETC=$SWIFT_BASE/etc RUN=$SWIFT_BASE/run LOG=$SWIFT_BASE/log
T0=$(now_ms)

# Fast path: everything already runs and answers.
all_running() {
  local s
  for s in memcached account container object object-updater proxy; do
    pid_alive "$RUN/$s.pid" "$(match_of "$s")" || return 1
  done
  curl -sf -o /dev/null --max-time 2 "http://127.0.0.1:$SWIFT_PORT/healthcheck"
}
match_of() { # the string a live daemon's command line must contain
  case $1 in
    memcached) echo "memcached" ;;
    object-updater) echo "swift-object-updater $ETC/object-server.conf" ;;
    *) echo "$ETC/$1-server.conf" ;;
  esac
}
if all_running; then log "swift already running: http://127.0.0.1:$SWIFT_PORT"; exit 0; fi

# memcached: tempauth keeps its tokens there ("Memcache required" without it)
ensure_pkgs swift swift-proxy swift-object swift-container swift-account python3-swiftclient memcached curl
mkdir -p "$ETC" "$RUN" "$LOG" "$SWIFT_BASE/cache" "$SWIFT_DEVICES/d1"

# Swift keeps object metadata in user.* xattrs. ext4 without ea_inode (a usual /tmp) holds only
# ~4 KB per inode, so objects with near-limit X-Object-Meta-* get 507 (seen as 503 by clients).
# Debian's /usr/bin/python3 is used on purpose: a pyenv python3 on PATH lacks the swift modules.
/usr/bin/python3 - "$SWIFT_DEVICES/d1" <<'EOF' || die "the filesystem under $SWIFT_DEVICES lacks user xattr support"
import os, sys, tempfile
fd, p = tempfile.mkstemp(dir=sys.argv[1])
try:
    os.setxattr(p, 'user.swift.test', b'x' * 200)
    try:
        for i in range(32):
            os.setxattr(p, 'user.swift.big%d' % i, b'x' * 254)
    except OSError:
        print('note: %s holds < 8 KB of xattrs per file: objects with X-Object-Meta-* near '
              "Swift's 4 KiB limit would fail (507/503); the bank caps user metadata at 2 KiB, "
              'which fits. SWIFT_DEVICES=/dev/shm/karbor-swift lifts the limit' % sys.argv[1],
              file=sys.stderr)
finally:
    os.close(fd); os.unlink(p)
EOF

# swift.conf is always read from /etc/swift/swift.conf (hard-coded in swift.common.utils); the
# Debian package ships a valid one. Write it only when missing.
if [ ! -s /etc/swift/swift.conf ]; then
  mkdir -p /etc/swift
  cat > /etc/swift/swift.conf <<'EOF'
[swift-hash]
swift_hash_path_suffix = changeme
swift_hash_path_prefix = changeme
[storage-policy:0]
name = Policy-0
default = yes
EOF
fi

storage_conf() { # NAME PORT [EXTRA_SECTIONS]
  cat <<EOF
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = $2
# workers = 0: one process, so the PID file names the server itself
workers = 0
# the servers run as whoever starts them (root in CI); the updater would otherwise switch to
# "swift" and could not clean up the root-owned files the servers wrote
user = $(id -un)
swift_dir = $ETC
devices = $SWIFT_DEVICES
mount_check = false
disable_fallocate = true
log_level = INFO

[pipeline:main]
pipeline = healthcheck $1-server
[app:$1-server]
use = egg:swift#$1
[filter:healthcheck]
use = egg:swift#healthcheck
${3:-}
EOF
}
storage_conf account "$SWIFT_ACC_PORT" > "$ETC/account-server.conf"
storage_conf container "$SWIFT_CONT_PORT" > "$ETC/container-server.conf"
# object-updater: replays container updates the object server had to defer (e.g. under load),
# so container listings never miss an object for long.
storage_conf object "$SWIFT_OBJ_PORT" "network_chunk_size = 1048576
disk_chunk_size = 1048576
[object-updater]
interval = 2
recon_cache_path = $SWIFT_BASE/cache" > "$ETC/object-server.conf"

cat > "$ETC/proxy-server.conf" <<EOF
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = $SWIFT_PORT
workers = 0
swift_dir = $ETC
log_level = INFO

[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats bulk tempurl s3api tempauth copy slo dlo versioned_writes symlink proxy-logging proxy-server

[filter:tempauth]
use = egg:swift#tempauth
user_admin_admin = admin .admin .reseller_admin
user_test_tester = testing .admin
user_test2_tester2 = testing2 .admin
token_life = 86400

[filter:s3api]
use = egg:swift#s3api
location = us-east-1
s3_acl = false

EOF
swift_proxy_sections "$SWIFT_MEMCACHED_PORT" >> "$ETC/proxy-server.conf"

# Rings: 1 region, 1 zone, 1 device, 1 replica, part power 8; rebuilt when the ports change.
# One python process instead of 9 swift-ring-builder calls (0.5 s instead of ~4 s).
ring_sig="$SWIFT_ACC_PORT/$SWIFT_CONT_PORT/$SWIFT_OBJ_PORT"
if [ ! -s "$ETC/object.ring.gz" ] || [ "$(cat "$ETC/ring.sig" 2>/dev/null)" != "$ring_sig" ]; then
  rm -rf "$ETC"/*.builder "$ETC"/*.ring.gz "$ETC/backups"
  /usr/bin/python3 - "$ETC" "$SWIFT_ACC_PORT" "$SWIFT_CONT_PORT" "$SWIFT_OBJ_PORT" <<'PY'
import sys
from swift.common.ring import RingBuilder
etc = sys.argv[1]
for name, port in zip(('account', 'container', 'object'), map(int, sys.argv[2:5])):
    b = RingBuilder(8, 1, 1)  # part_power, replicas, min_part_hours
    b.add_dev({'region': 1, 'zone': 1, 'ip': '127.0.0.1', 'port': port,
               'replication_ip': '127.0.0.1', 'replication_port': port,
               'device': 'd1', 'weight': 100, 'meta': ''})
    b.rebalance()
    b.save('%s/%s.builder' % (etc, name))
    b.get_ring().save('%s/%s.ring.gz' % (etc, name))
PY
  echo "$ring_sig" > "$ETC/ring.sig"
fi

start_one() { # NAME PORT|- CMD ARGS...
  local name=$1 port=$2; shift 2
  if pid_alive "$RUN/$name.pid" "$(match_of "$name")"; then return 0; fi
  [ "$port" = - ] || assert_port_free "$port"
  start_bg "$RUN/$name.pid" "$LOG/$name.log" "$@"
}
start_one memcached "$SWIFT_MEMCACHED_PORT" memcached -u nobody -l 127.0.0.1 -p "$SWIFT_MEMCACHED_PORT" -U 0 -m 64
# -v also logs to stdout (there is no syslog here), which start_bg sends to $LOG/<name>.log
start_one account   "$SWIFT_ACC_PORT"  swift-account-server   "$ETC/account-server.conf" -v
start_one container "$SWIFT_CONT_PORT" swift-container-server "$ETC/container-server.conf" -v
start_one object    "$SWIFT_OBJ_PORT"  swift-object-server    "$ETC/object-server.conf" -v
start_one object-updater -             swift-object-updater   "$ETC/object-server.conf" -v
start_one proxy     "$SWIFT_PORT"      swift-proxy-server     "$ETC/proxy-server.conf" -v

for p in "$SWIFT_ACC_PORT" "$SWIFT_CONT_PORT" "$SWIFT_OBJ_PORT" "$SWIFT_PORT"; do
  wait_http "http://127.0.0.1:$p/healthcheck" 30 || die "swift server on :$p did not come up; see $LOG"
done
# tempauth answers only once memcached does: wait for a real token
for ((i = 0; i < 100; i++)); do
  curl -sf -o /dev/null --max-time 2 -H 'X-Auth-User: test:tester' -H 'X-Auth-Key: testing' \
    "http://127.0.0.1:$SWIFT_PORT/auth/v1.0" && break
  sleep 0.1
done
[ "$i" -lt 100 ] || die "tempauth does not hand out tokens; see $LOG/proxy.log"
log "swift up in $(( $(now_ms) - T0 )) ms: http://127.0.0.1:$SWIFT_PORT (tempauth + s3api); logs in $LOG"
