#!/usr/bin/env bash
# Starts a real OpenStack Keystone v3 (Debian python3-keystone, Zed 22.x) on 127.0.0.1 for the
# Keystone client, the HTTP API's Keystone authenticator, the karbor client's Keystone login and
# the Swift driver's Keystone login: sqlite database, Fernet tokens, the WSGI reference server
# (keystone-wsgi-public: one request at a time), passwords hashed with bcrypt's cheapest cost (a
# login takes ~20 ms instead of ~220: the test suite logs in hundreds of times).
#
# When Swift runs (scripts/swift-up.sh first), it also starts a second Swift proxy on
# $SWIFT_KEYSTONE_PORT in front of the same storage servers, authenticating with Keystone
# (keystonemiddleware's authtoken + Swift's keystoneauth), and registers it in Keystone's
# catalog as the object-store: a Keystone login finds Swift there, as in a real cloud. The
# tempauth proxy of swift-up.sh is untouched.
#
# What it creates (idempotent; passwords from the env below, set again when they change):
#   admin / $KEYSTONE_ADMIN_PASSWORD   role admin on project admin (keystone-manage bootstrap)
#   demo  / $KEYSTONE_DEMO_PASSWORD    role member on project demo
#   karbor / $KEYSTONE_SERVICE_PASSWORD, swift / the same   role service on project service
#     (karbor: what a protection service validates users' tokens with; swift: authtoken's)
#   services: identity (http://127.0.0.1:$KEYSTONE_PORT/v3), object-store
#     (http://127.0.0.1:$SWIFT_KEYSTONE_PORT/v1/AUTH_$(project_id)s) in region RegionOne
#
# Idempotent: installs python3-keystone when missing, writes the config, creates the database
# and keys once, starts what is not running, waits until it answers. Stop with
# scripts/keystone-down.sh [--purge].
#
# Env knobs (defaults):
#   KARBOR_SERVICES_DIR=/tmp/karbor-ts-services   state root shared by the scripts
#   KEYSTONE_BASE=$KARBOR_SERVICES_DIR/keystone   config, database, keys, PID files, logs
#   KEYSTONE_PORT=5000  SWIFT_KEYSTONE_PORT=8081
#   KEYSTONE_ADMIN_PASSWORD=admin-secret  KEYSTONE_DEMO_PASSWORD=demo-secret
#   KEYSTONE_SERVICE_PASSWORD=service-secret
# scripts/services-env.sh prints the KARBOR_TEST_KEYSTONE_* variables the tests read.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

KEYSTONE_BASE=${KEYSTONE_BASE:-$KARBOR_SERVICES_DIR/keystone}
KEYSTONE_PORT=${KEYSTONE_PORT:-5000}
SWIFT_KEYSTONE_PORT=${SWIFT_KEYSTONE_PORT:-8081}
SWIFT_BASE=${SWIFT_BASE:-$KARBOR_SERVICES_DIR/swift}
SWIFT_MEMCACHED_PORT=${SWIFT_MEMCACHED_PORT:-11211}
KEYSTONE_ADMIN_PASSWORD=${KEYSTONE_ADMIN_PASSWORD:-admin-secret}
KEYSTONE_DEMO_PASSWORD=${KEYSTONE_DEMO_PASSWORD:-demo-secret}
KEYSTONE_SERVICE_PASSWORD=${KEYSTONE_SERVICE_PASSWORD:-service-secret}
ETC=$KEYSTONE_BASE/etc RUN=$KEYSTONE_BASE/run LOG=$KEYSTONE_BASE/log DATA=$KEYSTONE_BASE/data
CONF=$ETC/keystone.conf
PROXY_CONF=$ETC/swift-proxy-keystone.conf
URL=http://127.0.0.1:$KEYSTONE_PORT/v3
T0=$(now_ms)
# What the fixtures and the Swift proxy were made with: when it changes, they are made again.
STAMP=$(printf '%s\n' "rounds=4" "$KEYSTONE_PORT" "$SWIFT_KEYSTONE_PORT" "$SWIFT_MEMCACHED_PORT" "$KEYSTONE_ADMIN_PASSWORD" "$KEYSTONE_DEMO_PASSWORD" "$KEYSTONE_SERVICE_PASSWORD" | sha256sum | cut -d' ' -f1)

swift_configured() { [ -s "$SWIFT_BASE/etc/object.ring.gz" ] && curl -sf -o /dev/null --max-time 2 "http://127.0.0.1:${SWIFT_PORT:-8080}/healthcheck"; }
swift_proxy_up() { pid_alive "$RUN/swift-proxy.pid" "$PROXY_CONF" && curl -sf -o /dev/null --max-time 2 "http://127.0.0.1:$SWIFT_KEYSTONE_PORT/healthcheck"; }

# One run at a time (two test runs starting at once). flock -o: the lock stays with flock
# itself, so the daemons this run starts do not hold it after it ends.
if [ -z "${KEYSTONE_UP_LOCKED:-}" ]; then
  mkdir -p "$RUN"
  KEYSTONE_UP_LOCKED=1 exec flock -o "$RUN/keystone-up.lock" bash "$0" "$@"
fi

# Fast path: Keystone answers, its fixtures were made with these settings, and the Swift proxy
# runs when Swift does.
if pid_alive "$RUN/keystone.pid" "$CONF" && [ "$(cat "$DATA/.fixtures" 2>/dev/null)" = "$STAMP" ] && curl -sf -o /dev/null --max-time 2 "$URL" \
  && { ! swift_configured || swift_proxy_up; }; then
  log "keystone already running: $URL"
  exit 0
fi

ensure_pkgs python3-keystone python3-keystonemiddleware curl
mkdir -p "$ETC" "$RUN" "$LOG" "$DATA/fernet-keys" "$DATA/credential-keys"
chmod 700 "$DATA/fernet-keys" "$DATA/credential-keys"

cat > "$CONF.new" <<EOF
[DEFAULT]
log_file = $LOG/keystone.log
debug = false

[database]
connection = sqlite:///$DATA/keystone.sqlite

[identity]
# bcrypt's cheapest cost: these are test users, and Keystone serves one request at a time
password_hash_rounds = 4

[token]
provider = fernet
expiration = 3600

[fernet_tokens]
key_repository = $DATA/fernet-keys

[fernet_receipts]
key_repository = $DATA/fernet-keys

[credential]
key_repository = $DATA/credential-keys
EOF
# Other settings than the fixtures were made with (a port, a password, the hash cost): Keystone
# and the Swift proxy start again, and passwords are set again (which revokes the users' tokens,
# so only then).
rehash=0
[ "$(cat "$DATA/.fixtures" 2>/dev/null)" = "$STAMP" ] || rehash=1
if [ "$rehash" = 1 ] || ! cmp -s "$CONF.new" "$CONF"; then
  stop_pid "$RUN/keystone.pid" "$CONF" 10
  mv "$CONF.new" "$CONF"
else
  rm -f "$CONF.new"
fi

manage() { # keystone-manage ARGS..., its output in the log; fails loudly
  keystone-manage --config-file "$CONF" "$@" >>"$LOG/manage.log" 2>&1 \
    || { tail -20 "$LOG/manage.log" >&2; die "keystone-manage $1 failed"; }
}
if [ ! -e "$DATA/.bootstrapped" ]; then
  rm -f "$DATA"/keystone.sqlite*
  t=$(now_ms)
  manage db_sync
  # WAL: a reader's open transaction in the server would otherwise block every write
  # ("database is locked" after 5 s, seen on the first POST)
  /usr/bin/python3 -c 'import sqlite3, sys; sqlite3.connect(sys.argv[1]).execute("PRAGMA journal_mode=WAL")' "$DATA/keystone.sqlite"
  [ -e "$DATA/fernet-keys/0" ] || manage fernet_setup --keystone-user "$(id -un)" --keystone-group "$(id -gn)"
  [ -e "$DATA/credential-keys/0" ] || manage credential_setup --keystone-user "$(id -un)" --keystone-group "$(id -gn)"
  touch "$DATA/.bootstrapped"
  log "keystone database and keys made in $(( $(now_ms) - t )) ms"
fi
# admin, its roles, the identity service and its endpoints, made or brought up to date (bootstrap
# changes admin's password, which revokes its tokens, only when it differs)
[ "$rehash" = 0 ] || manage bootstrap --bootstrap-password "$KEYSTONE_ADMIN_PASSWORD" --bootstrap-region-id RegionOne \
  --bootstrap-admin-url "$URL" --bootstrap-internal-url "$URL" --bootstrap-public-url "$URL"

if ! pid_alive "$RUN/keystone.pid" "$CONF"; then
  assert_port_free "$KEYSTONE_PORT"
  start_bg "$RUN/keystone.pid" "$LOG/keystone.stdout" keystone-wsgi-public --host 127.0.0.1 --port "$KEYSTONE_PORT" -- --config-file "$CONF"
fi
wait_http "$URL" 60 || { tail -30 "$LOG/keystone.log" "$LOG/keystone.stdout" >&2 2>/dev/null || true; die "keystone did not come up; see $LOG"; }

# Fixtures through Keystone's own API (idempotent: each is looked up before it is created).
/usr/bin/python3 - "$URL" "$KEYSTONE_ADMIN_PASSWORD" "$KEYSTONE_DEMO_PASSWORD" "$KEYSTONE_SERVICE_PASSWORD" \
  "http://127.0.0.1:$SWIFT_KEYSTONE_PORT/v1/AUTH_\$(project_id)s" "$rehash" <<'PY' || die "could not create keystone's fixtures; see $LOG/keystone.log"
import json, sys, urllib.request, urllib.error
url, admin_pw, demo_pw, service_pw, swift_url, rehash = sys.argv[1:7]

def call(method, path, body=None, token=None):
    request = urllib.request.Request(url + path, method=method, data=None if body is None else json.dumps(body).encode(),
                                     headers={'Content-Type': 'application/json', **({'X-Auth-Token': token} if token else {})})
    with urllib.request.urlopen(request, timeout=30) as response:
        text = response.read()
        return response.headers, (json.loads(text) if text else None)

scope = {'project': {'name': 'admin', 'domain': {'id': 'default'}}}
login = {'auth': {'identity': {'methods': ['password'], 'password': {'user': {'name': 'admin', 'domain': {'id': 'default'}, 'password': admin_pw}}}, 'scope': scope}}
headers, _ = call('POST', '/auth/tokens', login)
token = headers['X-Subject-Token']

def find_or_create(collection, key, name, body, query=''):
    _, found = call('GET', f'/{collection}?name={name}{query}', token=token)
    if found[collection]:
        return found[collection][0]['id']
    _, made = call('POST', f'/{collection}', {key: body}, token=token)
    return made[key]['id']

roles = {name: find_or_create('roles', 'role', name, {'name': name}) for name in ('admin', 'member', 'reader', 'service')}
projects = {name: find_or_create('projects', 'project', name, {'name': name, 'domain_id': 'default'}, '&domain_id=default') for name in ('demo', 'service')}
def user(name, password, project, role):
    user_id = find_or_create('users', 'user', name, {'name': name, 'domain_id': 'default', 'password': password}, '&domain_id=default')
    if rehash == '1':  # the env's password wins, hashed at the configured cost
        call('PATCH', f'/users/{user_id}', {'user': {'password': password}}, token=token)
    call('PUT', f'/projects/{projects[project]}/users/{user_id}/roles/{roles[role]}', token=token)
user('demo', demo_pw, 'demo', 'member')
user('karbor', service_pw, 'service', 'service')
user('swift', service_pw, 'service', 'service')

# Swift's own object-store (tests register others, in regions of their own)
_, services = call('GET', '/services?type=object-store', token=token)
ours = [service for service in services['services'] if service.get('name') == 'swift']
service_id = ours[0]['id'] if ours else call('POST', '/services', {'service': {'type': 'object-store', 'name': 'swift'}}, token=token)[1]['service']['id']
_, endpoints = call('GET', f'/endpoints?service_id={service_id}', token=token)
have = {e['interface']: e for e in endpoints['endpoints'] if e.get('region_id') == 'RegionOne'}
for interface in ('public', 'internal', 'admin'):
    if interface in have and have[interface]['url'] == swift_url:
        continue
    if interface in have:
        call('DELETE', f"/endpoints/{have[interface]['id']}", token=token)
    call('POST', '/endpoints', {'endpoint': {'service_id': service_id, 'interface': interface, 'url': swift_url, 'region_id': 'RegionOne'}}, token=token)

# What killed test runs left behind: services and regions named by uniqueName
# (kts-<what>-<base36 ms>-<hex>) over two hours ago
import time
cutoff = time.time() * 1000 - 2 * 3600 * 1000
def stale(name):
    parts = name.split('-')
    try:
        return name.startswith('kts-') and len(parts) >= 4 and int(parts[-2], 36) < cutoff
    except ValueError:
        return False
def quietly(method, path):
    try:
        call(method, path, token=token)
    except urllib.error.HTTPError:
        pass
for service in call('GET', '/services', token=token)[1]['services']:
    if stale(service.get('name') or ''):
        quietly('DELETE', f"/services/{service['id']}")
for region in call('GET', '/regions', token=token)[1]['regions']:
    if stale(region['id']):
        quietly('DELETE', f"/regions/{region['id']}")

if rehash == '1':  # admin last: this revokes the token used above
    _, admins = call('GET', '/users?name=admin&domain_id=default', token=token)
    call('PATCH', f"/users/{admins['users'][0]['id']}", {'user': {'password': admin_pw}}, token=token)
PY

# The Swift proxy that authenticates with Keystone, over swift-up.sh's rings and storage servers
# (started again when the settings it was written with changed).
[ "$rehash" = 0 ] || stop_pid "$RUN/swift-proxy.pid" "$PROXY_CONF" 10
if swift_configured && ! swift_proxy_up; then
  cat > "$PROXY_CONF" <<EOF
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = $SWIFT_KEYSTONE_PORT
workers = 0
swift_dir = $SWIFT_BASE/etc
log_level = INFO

[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats bulk authtoken keystoneauth copy slo dlo versioned_writes symlink proxy-logging proxy-server

[filter:authtoken]
paste.filter_factory = keystonemiddleware.auth_token:filter_factory
www_authenticate_uri = $URL
auth_url = http://127.0.0.1:$KEYSTONE_PORT
auth_type = password
project_domain_id = default
user_domain_id = default
project_name = service
username = swift
password = $KEYSTONE_SERVICE_PASSWORD
delay_auth_decision = true
memcached_servers = 127.0.0.1:$SWIFT_MEMCACHED_PORT
service_token_roles_required = true

[filter:keystoneauth]
use = egg:swift#keystoneauth
operator_roles = admin, member

EOF
  swift_proxy_sections "$SWIFT_MEMCACHED_PORT" >> "$PROXY_CONF"
  if ! pid_alive "$RUN/swift-proxy.pid" "$PROXY_CONF"; then
    assert_port_free "$SWIFT_KEYSTONE_PORT"
    start_bg "$RUN/swift-proxy.pid" "$LOG/swift-proxy.log" swift-proxy-server "$PROXY_CONF" -v
  fi
  wait_http "http://127.0.0.1:$SWIFT_KEYSTONE_PORT/healthcheck" 30 || die "the Keystone Swift proxy did not come up; see $LOG/swift-proxy.log"
fi
echo "$STAMP" > "$DATA/.fixtures"
log "keystone up in $(( $(now_ms) - T0 )) ms: $URL$(swift_proxy_up && echo ", Swift through it at http://127.0.0.1:$SWIFT_KEYSTONE_PORT"); logs in $LOG"
