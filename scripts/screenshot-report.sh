#!/usr/bin/env bash
# screenshot-report.sh: render the report of a results file and take the
# screenshot of its first screen (what a reader sees before scrolling) in
# headless chromium (apt-get install -y chromium).
#
#   scripts/screenshot-report.sh [RESULTS.json] [OUT.png]
#       default: cli/testdata/golden/run.json → docs/report-first-screen.png
#
# The page is laid out in a 1280×900 window, the width issue 16 asks the report
# to fit, and drawn at device scale 0.75, so the PNG is 960×675 and small
# enough to commit. The script fails if the PNG is missing, not 960 wide, or
# over 150 KB.
set -euo pipefail
cd "$(dirname "$0")/.."
in=${1:-cli/testdata/golden/run.json}
out=${2:-docs/report-first-screen.png}
maxBytes=$((150 * 1024))
chrome=$(command -v chromium || command -v chromium-browser || true)
[ -n "$chrome" ] || { echo "screenshot-report.sh: no chromium (apt-get install -y chromium)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go run ./cmd/ipcbench report "$in" -o "$tmp/rep" --format html >"$tmp/report.log" 2>&1 ||
  { cat "$tmp/report.log" >&2; exit 1; }
rm -f "$out"
"$chrome" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
  --disable-component-update --disable-sync --hide-scrollbars --user-data-dir="$tmp/profile" \
  --window-size=1280,900 --force-device-scale-factor=0.75 --screenshot="$out" "file://$tmp/rep/index.html" 2>/dev/null
[ -s "$out" ] || { echo "screenshot-report.sh: chromium wrote no $out" >&2; exit 1; }
# A PNG's width and height are big-endian 32-bit words at bytes 16 and 20.
read -r width height < <(od -An -tu1 -j16 -N8 "$out" |
  awk '{print $1*16777216+$2*65536+$3*256+$4, $5*16777216+$6*65536+$7*256+$8}')
bytes=$(stat -c %s "$out")
echo "wrote $out (${width}×${height}, $bytes bytes) from $in"
[ "$width" -eq 960 ] || { echo "screenshot-report.sh: $out is $width px wide, want 960" >&2; exit 1; }
[ "$bytes" -le "$maxBytes" ] || { echo "screenshot-report.sh: $out is $bytes bytes, over $maxBytes" >&2; exit 1; }
