#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs the npm dependencies when missing, starts
# the real services the tests use (Swift with its S3 layer, Keystone, Glance and Cinder, on 127.0.0.1) and installs the real
# `karbor` client (Debian packages are installed on first use, which needs root), then runs vitest. Arguments go to vitest, e.g.
# `npm test -- test/unit`. The JSON report lands in .tmp/vitest-report.json.
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/lib.sh
ensure_npm_deps

bash scripts/swift-up.sh
# after Swift: it starts the Swift proxy that authenticates with Keystone
bash scripts/keystone-up.sh
bash scripts/glance-up.sh
bash scripts/cinder-up.sh
bash scripts/karbor-client-up.sh
. scripts/services-env.sh

mkdir -p .tmp
exec npx vitest run --reporter=default --reporter=json --outputFile.json=.tmp/vitest-report.json "$@"
