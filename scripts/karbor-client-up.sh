#!/usr/bin/env bash
# Installs the real `karbor` CLI (Debian package python3-karborclient 2.1.0, /usr/bin/karbor)
# that test/http/karbor-cli.test.ts drives against the API. Nothing runs as a daemon.
#
# Idempotent and quiet: a no-op (one log line) when `karbor` is already installed; otherwise
# installs the package with apt-get (noninteractive, no recommends; needs root), then checks
# that the command runs.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

KARBOR_CLI=/usr/bin/karbor
T0=$(now_ms)

if [ -x "$KARBOR_CLI" ]; then log "karbor CLI already installed: $KARBOR_CLI"; exit 0; fi

export DEBIAN_FRONTEND=noninteractive
ensure_pkgs python3-karborclient
[ -x "$KARBOR_CLI" ] || die "python3-karborclient is installed but $KARBOR_CLI is missing"
version=$("$KARBOR_CLI" --version 2>&1) || die "$KARBOR_CLI does not run: $version"
log "karbor CLI $version installed in $(( $(now_ms) - T0 )) ms: $KARBOR_CLI"
