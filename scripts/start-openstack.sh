#!/usr/bin/env bash
# `npm run start:openstack`: the example service in its OpenStack mode (see
# docs/configuration.md). Installs the npm dependencies when missing, starts the local Swift,
# Glance and Cinder with scripts/swift-up.sh, glance-up.sh and cinder-up.sh (each starts only
# what is not running; the first start installs Debian packages, which needs root), writes the
# configuration for them into DATA_DIR/openstack.json — three providers (local directories,
# Glance images, Cinder volumes), each with a Swift container as its main bank and another as
# region B — and runs the service with it in place of this shell (so Ctrl-C reaches it).
#
# Env: DATA_DIR (default ./.data-openstack), PORT, KARBOR_CONTAINER_PREFIX (default kts- and a
# hash of DATA_DIR), GLANCE_AUTH, and the services' knobs of scripts/*-up.sh and
# scripts/services-env.sh. Arguments go to the service. Stop the services with scripts/*-down.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
ensure_npm_deps

bash scripts/swift-up.sh
bash scripts/glance-up.sh
bash scripts/cinder-up.sh
. scripts/services-env.sh

export DATA_DIR=${DATA_DIR:-./.data-openstack}
config=$(node --import tsx examples/service/openstack-main.ts)
exec node --import tsx examples/service/main.ts --config "$config" "$@"
