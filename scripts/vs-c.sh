#!/usr/bin/env bash
# vs-c.sh: ipcbench's pipe pingpong against a C program that makes the same
# syscalls (scripts/cref/pipe_pingpong.c), run side by side, alternating, so
# that both see the same machine. Prints each round and the median ratio.
#
#   scripts/vs-c.sh                 # 5 rounds of 100000 1-byte round trips
#   ROUNDS=9 ITERS=200000 SIZE=64 scripts/vs-c.sh
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${ROUNDS:-5} iters=${ITERS:-100000} size=${SIZE:-1}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cc -O2 -o "$tmp/cref" scripts/cref/pipe_pingpong.c
go build -o "$tmp/ipcbench" ./cmd/ipcbench

printf '%-6s %14s %14s %8s\n' round c_mean_ns go_mean_ns ratio
ratios=()
for r in $(seq "$rounds"); do
  c=$("$tmp/cref" "$iters" "$size" | sed 's/.*mean_rtt_ns=//')
  # CSV column 15 is mean_ns of the round trip histogram.
  g=$("$tmp/ipcbench" run --transports pipe --workloads pingpong --sizes "$size" --count "$iters" \
        --format csv --out "$tmp/r$r.json" 2>/dev/null | awk -F, 'NR==2 && $4=="ok" {print $15}')
  [ -n "$g" ] || { echo "ipcbench run failed" >&2; exit 1; }
  ratio=$(awk -v g="$g" -v c="$c" 'BEGIN{printf "%.3f", g/c}')
  ratios+=("$ratio")
  printf '%-6s %14.0f %14.0f %8s\n' "$r" "$c" "$g" "$ratio"
done
median=$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{a[NR]=$1} END{print (NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2}')
echo "median ratio ipcbench/C: $median (size $size B, $iters round trips per run)"
if command -v perf >/dev/null 2>&1 && perf bench sched pipe -l "$iters" >"$tmp/perf" 2>/dev/null; then
  echo "perf bench sched pipe: $(grep -o '[0-9.]* usecs/op' "$tmp/perf")"
fi
