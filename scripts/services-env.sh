#!/usr/bin/env bash
# The environment the real-service tests and benches read (test/helpers/services.ts), matching
# scripts/swift-up.sh, scripts/keystone-up.sh, scripts/glance-up.sh and scripts/cinder-up.sh. Either source it (`. scripts/services-env.sh`) to export the variables,
# or run it to print `export` lines: `eval "$(scripts/services-env.sh)"`.
# Variables already set in the environment win over the defaults.
_karbor_services_env() {
  local port=${SWIFT_PORT:-8080}
  local cinder_base=${CINDER_BASE:-${KARBOR_SERVICES_DIR:-/tmp/karbor-ts-services}/cinder}
  # Glance (trusted identity headers) and Cinder (noauth) act for any project id the tests send;
  # Cinder only accepts hex or UUID project ids in its URLs.
  local project=0123456789abcdef0123456789abcdef
  cat <<EOV
export KARBOR_TEST_SWIFT_AUTH_URL=${KARBOR_TEST_SWIFT_AUTH_URL:-http://127.0.0.1:$port/auth/v1.0}
export KARBOR_TEST_SWIFT_USER=${KARBOR_TEST_SWIFT_USER:-test:tester}
export KARBOR_TEST_SWIFT_KEY=${KARBOR_TEST_SWIFT_KEY:-testing}
export KARBOR_TEST_S3_ENDPOINT=${KARBOR_TEST_S3_ENDPOINT:-http://127.0.0.1:$port}
export KARBOR_TEST_S3_REGION=${KARBOR_TEST_S3_REGION:-us-east-1}
export KARBOR_TEST_S3_ACCESS_KEY=${KARBOR_TEST_S3_ACCESS_KEY:-test:tester}
export KARBOR_TEST_S3_SECRET_KEY=${KARBOR_TEST_S3_SECRET_KEY:-testing}
export KARBOR_TEST_GLANCE_URL=${KARBOR_TEST_GLANCE_URL:-http://127.0.0.1:${GLANCE_PORT:-9292}}
export KARBOR_TEST_GLANCE_PROJECT_ID=${KARBOR_TEST_GLANCE_PROJECT_ID:-$project}
export KARBOR_TEST_CINDER_URL=${KARBOR_TEST_CINDER_URL:-http://127.0.0.1:${CINDER_PORT:-8776}}
export KARBOR_TEST_CINDER_PROJECT_ID=${KARBOR_TEST_CINDER_PROJECT_ID:-$project}
export KARBOR_TEST_CINDER_VOLUMES_DIR=${KARBOR_TEST_CINDER_VOLUMES_DIR:-$cinder_base/state/volumes}
export KARBOR_TEST_CINDER_BACKUPS_DIR=${KARBOR_TEST_CINDER_BACKUPS_DIR:-$cinder_base/backups}
export KARBOR_TEST_KEYSTONE_URL=${KARBOR_TEST_KEYSTONE_URL:-http://127.0.0.1:${KEYSTONE_PORT:-5000}/v3}
export KARBOR_TEST_KEYSTONE_ADMIN_PASSWORD=${KARBOR_TEST_KEYSTONE_ADMIN_PASSWORD:-${KEYSTONE_ADMIN_PASSWORD:-admin-secret}}
export KARBOR_TEST_KEYSTONE_DEMO_PASSWORD=${KARBOR_TEST_KEYSTONE_DEMO_PASSWORD:-${KEYSTONE_DEMO_PASSWORD:-demo-secret}}
export KARBOR_TEST_KEYSTONE_SERVICE_PASSWORD=${KARBOR_TEST_KEYSTONE_SERVICE_PASSWORD:-${KEYSTONE_SERVICE_PASSWORD:-service-secret}}
export KARBOR_TEST_KEYSTONE_SWIFT_URL=${KARBOR_TEST_KEYSTONE_SWIFT_URL:-http://127.0.0.1:${SWIFT_KEYSTONE_PORT:-8081}}
EOV
}
if [ "${BASH_SOURCE[0]}" != "$0" ]; then
  eval "$(_karbor_services_env)"
  unset -f _karbor_services_env
else
  _karbor_services_env
fi
