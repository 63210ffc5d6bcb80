#!/usr/bin/env bash
# `npm start`: the example service on embedded defaults (see docs/configuration.md), from a
# fresh clone — installs the npm dependencies when missing, then runs the service in place of
# this shell (so Ctrl-C reaches it directly). Arguments go to the service, e.g.
# `npm start -- --config kts.json`.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
ensure_npm_deps
exec node --import tsx examples/service/main.ts "$@"
