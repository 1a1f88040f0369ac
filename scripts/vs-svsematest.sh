#!/usr/bin/env bash
# vs-svsematest.sh: ipcbench's System V semaphore hand-off against rt-tests'
# svsematest -f (two processes), side by side, both confined to the same CPUs.
#
#   scripts/vs-svsematest.sh            # needs svsematest: apt-get install -y rt-tests
#   CPUS=0,1 ROUNDS=5 scripts/vs-svsematest.sh
#
# svsematest times one semop hand-off: the sender posts, the receiver wakes
# from semop and reads the clock; the sender idles --interval µs between
# cycles. ipcbench's sysv-shm pingpong round trip is two such hand-offs plus
# two more semops and two 1-byte copies, back to back, so half of it is the
# comparable figure. Both are printed; neither is adjusted.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v svsematest >/dev/null || { echo "svsematest not found: apt-get install -y rt-tests" >&2; exit 1; }
rounds=${ROUNDS:-3} loops=${LOOPS:-50000} cpus=${CPUS:-0}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/ipcbench" ./cmd/ipcbench

printf '%-6s %18s %22s %22s\n' round svsematest_avg_us ipcbench_rtt/2_mean_us ipcbench_rtt/2_p50_us
for r in $(seq "$rounds"); do
  taskset -c "$cpus" svsematest -f -l "$loops" -i 50 -q --json="$tmp/svs.json" >/dev/null
  s=$(grep -o '"avg": [0-9.]*' "$tmp/svs.json" | head -1 | awk '{print $2}')
  read -r mean p50 < <(taskset -c "$cpus" "$tmp/ipcbench" run --transports sysv-shm --workloads pingpong --sizes 1 \
      --count "$loops" --format csv --out "$tmp/r$r.json" 2>/dev/null | awk -F, 'NR==2 && $4=="ok" {print $15/2000, $10/2000}')
  printf '%-6s %18s %22.2f %22.2f\n' "$r" "$s" "$mean" "$p50"
done
echo "CPUs $cpus; svsematest -f -l $loops -i 50; ipcbench run --transports sysv-shm --workloads pingpong --sizes 1 --count $loops"
