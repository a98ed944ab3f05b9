#!/usr/bin/env bash
# Refresh the browser libraries portal-web serves itself (ADR 0028): install exactly what
# services/portal-web/package-lock.json pins (npm checks each tarball against its integrity hash),
# copy the built files into static/vendor/, then print their SHA-256 for
# services/portal-web/tests/unit/test_vendored_js.py. Not part of `make install`: the files are
# committed, so neither a build nor CI needs npm.
set -euo pipefail
web="$(cd "$(dirname "$0")/../services/portal-web" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$web/package.json" "$web/package-lock.json" "$work/"
(cd "$work" && npm ci --ignore-scripts --no-audit --no-fund)
dest="$web/src/portal_web/static/vendor/signature_pad"
mkdir -p "$dest"
cp "$work/node_modules/signature_pad/dist/signature_pad.umd.min.js" "$work/node_modules/signature_pad/LICENSE" "$dest/"
sha256sum "$dest/signature_pad.umd.min.js"
