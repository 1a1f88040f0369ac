#!/usr/bin/env bash
# screenshot-report.sh: render the report of one or more results files and
# take screenshots of its first screen (what a reader sees before scrolling)
# on a 1280 px screen and on a 390 px phone, in headless chromium
# (apt-get install -y chromium).
#
#   scripts/screenshot-report.sh [OUT-PREFIX] [RESULTS.json...]
#       default: docs/report with cli/testdata/golden/run.json
#       → docs/report-1280.png and docs/report-390.png
#
# The 1280 px page is laid out in a 1280×800 window and drawn at device
# scale 0.75 (960×600); the phone's in a 390×844 window at scale 1. The
# script fails if a PNG is missing, not of that size, or over 200 KB.
set -euo pipefail
cd "$(dirname "$0")/.."
prefix=${1:-docs/report}
shift || true
[ $# -gt 0 ] || set -- cli/testdata/golden/run.json
maxBytes=$((200 * 1024))
chrome=$(command -v chromium || command -v chromium-browser || true)
[ -n "$chrome" ] || { echo "screenshot-report.sh: no chromium (apt-get install -y chromium)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go run ./cmd/ipcbench report "$@" -o "$tmp/rep" --format html >"$tmp/report.log" 2>&1 ||
  { cat "$tmp/report.log" >&2; exit 1; }
shot() { # width height scale page out
  rm -f "$5"
  "$chrome" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --hide-scrollbars \
    --user-data-dir="$tmp/profile" --window-size="$1,$2" --force-device-scale-factor="$3" \
    --screenshot="$5" "file://$tmp/rep/$4" 2>/dev/null
  [ -s "$5" ] || { echo "screenshot-report.sh: chromium wrote no $5" >&2; exit 1; }
}
shot 1280 800 0.75 index.html "$prefix-1280.png"
shot 390 844 1 index.html "$prefix-390.png"
for want in "$prefix-1280.png 960" "$prefix-390.png 390"; do
  read -r out wantWidth <<<"$want"
  # A PNG's width is the big-endian 32-bit word at byte 16.
  width=$(od -An -tu1 -j16 -N4 "$out" | awk '{print $1*16777216+$2*65536+$3*256+$4}')
  bytes=$(stat -c %s "$out")
  echo "wrote $out (${width} px wide, $bytes bytes) from $*"
  [ "$width" -eq "$wantWidth" ] || { echo "screenshot-report.sh: $out is $width px wide, want $wantWidth" >&2; exit 1; }
  [ "$bytes" -le "$maxBytes" ] || { echo "screenshot-report.sh: $out is $bytes bytes, over $maxBytes" >&2; exit 1; }
done
