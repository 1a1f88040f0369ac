#!/usr/bin/env bash
# instrument-cost.sh: what ipcbench's own machinery costs, in one script,
# each comparison alternating its programs round by round:
#   1. the 1-byte pipe round trip against C and two Go references
#      (scripts/vs-c.sh), both sides on one CPU and on two;
#   2. shm-slots and shm-ring-spin round trips against the C cache-line
#      ping-pong and the C ring (scripts/vs-ring.sh);
#   3. how many cases of a default run carry the OVERHEAD flag, and the
#      largest overhead_share.
#
#   scripts/instrument-cost.sh            # ROUNDS=15 each; about 6 minutes on 2 vCPUs
#   ROUNDS=5 scripts/instrument-cost.sh   # a quick look
#
# Run it on an idle host: anything else running lands in the ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
export ROUNDS=${ROUNDS:-15}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "== 1a. pipe round trip, both sides on CPU 0"
PIN=0,0 ITERS=${ITERS:-50000} scripts/vs-c.sh
echo
echo "== 1b. pipe round trip, sides on CPUs 0 and 1"
PIN=0,1 ITERS=${ITERS:-50000} scripts/vs-c.sh
echo
echo "== 2. spin round trips against the C references"
scripts/vs-ring.sh
echo
echo "== 3. OVERHEAD in a default run"
go build -buildvcs=auto -o "$tmp/" ./cmd/ipcbench ./cmd/ipcbench-worker # the small worker binary, as vs-c.sh
"$tmp/ipcbench" run --out "$tmp/default.json" >/dev/null
python3 - "$tmp/default.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
cases = [c for c in d["cases"] if c["status"] == "ok"]
flagged = [c for c in cases if any(f["name"] == "overhead" for f in c.get("flags") or [])]
top = sorted(cases, key=lambda c: -c.get("overhead_share", 0))[:5]
print(f"clock {d['config'].get('clock')}, verify {d['config'].get('verify')}, worker binary {d['config'].get('worker_exe')}: "
      f"{len(flagged)} of {len(cases)} cases flagged OVERHEAD")
for c in top:
    mark = "OVERHEAD" if c in flagged else ""
    print(f"  {c['transport']:20s} {c['workload']:9s} {c['size_bytes']:>6} B  overhead_share {c.get('overhead_share', 0):.3f} "
          f"loop {[round(w['loop_overhead_ns']) for w in c['workers']]} ns  {mark}")
PY
