# shellcheck shell=bash
# Shared helpers for scripts/*-up.sh and scripts/*-down.sh (sourced, not run).
#
# Every daemon runs in its own session with a PID file under $KARBOR_SERVICES_DIR/<svc>/run.
# Stopping signals only the PID recorded there (after checking /proc/PID/cmdline still matches,
# so a recycled PID is never hit) plus leftovers of the session it leads. No pkill/killall.

KARBOR_SERVICES_DIR=${KARBOR_SERVICES_DIR:-/tmp/karbor-ts-services}

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
now_ms() { date +%s%3N; }

# need_root : package installs and /etc/swift need root
need_root() { [ "$(id -u)" = 0 ] || die "run as root (installs Debian packages, writes /etc/swift)"; }

# ensure_pkgs PKG... : apt-get install the missing ones, without recommends.
# Runs `apt-get update` first when the package lists are empty (fresh machine) or an install fails.
ensure_pkgs() {
  local missing=() p t0 aptlog
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  need_root
  log "installing Debian packages: ${missing[*]}"
  t0=$(now_ms); aptlog=$(mktemp)
  # Without systemd as PID 1, postinst scripts must not try to start system services:
  # policy-rc.d exiting 101 tells invoke-rc.d "not allowed". We only add it if absent.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d
  fi
  if [ -z "$(ls -A /var/lib/apt/lists 2>/dev/null | grep -v -e '^lock$' -e '^partial$')" ]; then
    apt-get update >"$aptlog" 2>&1 || { tail -20 "$aptlog" >&2; die "apt-get update failed"; }
  fi
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >"$aptlog" 2>&1; then
    apt-get update >"$aptlog" 2>&1 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >"$aptlog" 2>&1 \
      || { tail -20 "$aptlog" >&2; die "apt-get install failed"; }
  fi
  rm -f "$aptlog"
  log "installed in $(( $(now_ms) - t0 )) ms"
}

# proc_running PID : alive and not a zombie (PID 1 here may reap orphans late,
# and `kill -0` succeeds on a zombie)
proc_running() {
  local st
  kill -0 "$1" 2>/dev/null || return 1
  st=$(sed -n 's/^[0-9]* (.*) \([A-Za-z]\) .*/\1/p' "/proc/$1/stat" 2>/dev/null)
  [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

# pid_alive PIDFILE MATCH : the recorded process runs and its command line contains MATCH
pid_alive() {
  local pf=$1 match=$2 pid
  [ -s "$pf" ] || return 1
  pid=$(cat "$pf")
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  proc_running "$pid" || return 1
  tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$match"
}

# start_bg PIDFILE LOGFILE CMD ARGS... : run CMD in a new session, record its PID
start_bg() {
  local pf=$1 lf=$2 i; shift 2
  mkdir -p "$(dirname "$pf")" "$(dirname "$lf")"
  rm -f "$pf"
  # the exec'ing shell writes its own PID, so the file is right even if setsid had to fork
  setsid sh -c 'echo $$ > "$0"; exec "$@"' "$pf" "$@" >>"$lf" 2>&1 < /dev/null &
  for ((i = 0; i < 100; i++)); do [ -s "$pf" ] && return 0; sleep 0.02; done
  die "could not start $*"
}

# session_members SID : live PIDs whose session id is SID. start_bg makes each daemon a
# session leader, so these are exactly the processes it spawned (even re-parented ones).
session_members() {
  local f pid rest
  for f in /proc/[0-9]*/stat; do
    { read -r rest < "$f"; } 2>/dev/null || continue
    pid=${rest%% *}; rest=${rest##*) }
    # shellcheck disable=SC2086
    set -- $rest   # state ppid pgrp session ...
    if [ "${4:-}" = "$SID_WANTED" ] && [ "$1" != Z ]; then echo "$pid"; fi
  done
  return 0
}

# stop_pid PIDFILE MATCH [TIMEOUT_S] [SIGNAL] : signal the recorded PID (TERM by default),
# KILL it after the timeout, then TERM/KILL leftovers of the session it led.
stop_pid() {
  local pf=$1 match=$2 timeout=${3:-10} sig=${4:-TERM} pid i left
  if ! pid_alive "$pf" "$match"; then rm -f "$pf"; return 0; fi
  pid=$(cat "$pf")
  kill -"$sig" "$pid" 2>/dev/null || true
  for ((i = 0; i < timeout * 10; i++)); do proc_running "$pid" || break; sleep 0.1; done
  if proc_running "$pid"; then
    log "pid $pid ($match) still running after ${timeout}s; sending KILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pf"
  for ((i = 0; i < 30; i++)); do
    left=$(SID_WANTED=$pid session_members)
    [ -z "$left" ] && return 0
    # shellcheck disable=SC2086
    if [ "$i" = 0 ]; then kill -TERM $left 2>/dev/null || true; fi
    sleep 0.1
  done
  log "killing leftover processes of session $pid: $left"
  # shellcheck disable=SC2086
  kill -KILL $left 2>/dev/null || true
}

# port_open PORT [HOST] : something accepts TCP connections there
port_open() { (exec 3<>"/dev/tcp/${2:-127.0.0.1}/$1") 2>/dev/null; }

# assert_port_free PORT : refuse to start when a process we did not start holds PORT
assert_port_free() {
  port_open "$1" && die "port $1 is already in use by a process these scripts did not start (pick another port via env)"
  return 0
}

# wait_http URL TIMEOUT_S : until the URL answers with an HTTP status below 500
wait_http() {
  local url=$1 timeout=$2 i code
  for ((i = 0; i < timeout * 10; i++)); do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url" || true)
    [ -n "$code" ] && [ "$code" != 000 ] && [ "$code" -lt 500 ] && return 0
    sleep 0.1
  done
  return 1
}

# Installs the npm dependencies (npm ci) unless node_modules was installed from this lockfile.
ensure_npm_deps() {
  # Installed from this very lockfile when node_modules/.kts-lock-sha256 holds its hash, so a
  # fresh checkout of the same lock (a worktree, a re-clone sharing node_modules) never
  # reinstalls. Without the stamp, an install newer than the lockfile is trusted (`npm ci` by
  # hand or by .ci/run); anything else gets `npm ci`.
  local want have=""
  want=$(sha256sum package-lock.json | cut -d' ' -f1)
  [ -f node_modules/.kts-lock-sha256 ] && have=$(cat node_modules/.kts-lock-sha256)
  [ "$have" = "$want" ] && return 0
  if [ -n "$have" ] || [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund >&2
  fi
  echo "$want" > node_modules/.kts-lock-sha256
}

# swift_proxy_sections MEMCACHED_PORT : the proxy app and the [filter:*] sections both Swift
# proxies use (swift-up.sh's, with tempauth and s3api; keystone-up.sh's, with Keystone)
swift_proxy_sections() {
  local SWIFT_MEMCACHED_PORT=$1
  cat <<EOF

[app:proxy-server]
use = egg:swift#proxy
allow_account_management = true
account_autocreate = true
object_chunk_size = 1048576
client_chunk_size = 1048576
# one node only: never "error-limit" it for 60 s after a 507 or a timeout (every request would get 503)
error_suppression_interval = 0

[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:$SWIFT_MEMCACHED_PORT

[filter:catch_errors]
use = egg:swift#catch_errors
[filter:gatekeeper]
use = egg:swift#gatekeeper
[filter:healthcheck]
use = egg:swift#healthcheck
[filter:proxy-logging]
use = egg:swift#proxy_logging
[filter:listing_formats]
use = egg:swift#listing_formats
[filter:bulk]
use = egg:swift#bulk
[filter:tempurl]
use = egg:swift#tempurl
[filter:copy]
use = egg:swift#copy
[filter:slo]
use = egg:swift#slo
[filter:dlo]
use = egg:swift#dlo
[filter:versioned_writes]
use = egg:swift#versioned_writes
allow_versioned_writes = true
allow_object_versioning = true
[filter:symlink]
use = egg:swift#symlink
EOF
}
