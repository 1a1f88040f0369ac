#!/usr/bin/env bash
# screenshot-report.sh: render the report of the committed test runs and take
# the README's screenshot of it in headless chromium (apt-get install -y chromium).
#
#   scripts/screenshot-report.sh [OUT.png]      # default docs/report.png
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-docs/report.png}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go run ./cmd/ipcbench report report/testdata/run-a.json -o "$tmp/rep" --format html
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
  --disable-component-update --disable-sync --hide-scrollbars --user-data-dir="$tmp/profile" \
  --window-size=1240,1000 --force-device-scale-factor=0.6 --screenshot="$out" "file://$tmp/rep/index.html" 2>/dev/null
echo "wrote $out ($(stat -c %s "$out") bytes)"
