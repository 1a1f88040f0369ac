#!/usr/bin/env bash
# vs-c.sh: ipcbench's pipe pingpong against a C program that makes the same
# syscalls (scripts/cref/pipe_pingpong.c), run side by side, alternating, so
# that both see the same machine. Prints each round and the median ratio.
#
#   scripts/vs-c.sh                 # 5 rounds of 100000 1-byte round trips
#   ROUNDS=9 ITERS=200000 SIZE=64 scripts/vs-c.sh
#   CPUS=0 scripts/vs-c.sh          # both programs confined to CPU 0 (taskset)
#   PIN=none scripts/vs-c.sh        # neither pins its sides (default PIN=0,1: side a
#                                   # on CPU 0, side b on CPU 1 in both, as ipcbench pins)
#
# Unpinned, the scheduler sometimes puts both sides on one core (about 16 µs
# per round trip here) and sometimes on two (about 22 µs), so single rounds
# can differ by 1.4× either way; the median over rounds is the figure to quote.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${ROUNDS:-5} iters=${ITERS:-100000} size=${SIZE:-1} pinpair=${PIN:-0,1}
cpin=() gpin=(--cpus "$pinpair")
if [ "$pinpair" != none ]; then cpin=("${pinpair%,*}" "${pinpair#*,}"); fi
pin=()
if [ -n "${CPUS:-}" ]; then pin=(taskset -c "$CPUS"); fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cc -O2 -o "$tmp/cref" scripts/cref/pipe_pingpong.c
go build -o "$tmp/ipcbench" ./cmd/ipcbench

printf '%-6s %12s %12s %8s %12s %12s %8s\n' round c_mean_ns go_mean_ns ratio c_p50_ns go_p50_ns ratio
ratios=() ratios50=()
for r in $(seq "$rounds"); do
  read -r c c50 < <("${pin[@]}" "$tmp/cref" "$iters" "$size" "${cpin[@]}" | sed 's/.*mean_rtt_ns=\([0-9.]*\) p50_rtt_ns=\([0-9]*\)/\1 \2/')
  # CSV columns 15 and 10: mean_ns and p50_ns of the round-trip histogram.
  read -r g g50 < <("${pin[@]}" "$tmp/ipcbench" run --transports pipe --workloads pingpong --sizes "$size" --count "$iters" "${gpin[@]}" \
        --format csv --out "$tmp/r$r.json" 2>/dev/null | awk -F, 'NR==2 && $4=="ok" {print $15, $10}')
  [ -n "${g:-}" ] || { echo "ipcbench run failed" >&2; exit 1; }
  ratio=$(awk -v g="$g" -v c="$c" 'BEGIN{printf "%.3f", g/c}')
  ratio50=$(awk -v g="$g50" -v c="$c50" 'BEGIN{printf "%.3f", g/c}')
  ratios+=("$ratio")
  ratios50+=("$ratio50")
  printf '%-6s %12.0f %12.0f %8s %12.0f %12.0f %8s\n' "$r" "$c" "$g" "$ratio" "$c50" "$g50" "$ratio50"
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END{print (NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2}'; }
echo "median ratio ipcbench/C: mean $(median "${ratios[@]}"), p50 $(median "${ratios50[@]}") (size $size B, $iters round trips per run, sides on CPUs $pinpair, taskset ${CPUS:-none})"
if command -v perf >/dev/null 2>&1 && "${pin[@]}" perf bench sched pipe -l "$iters" >"$tmp/perf" 2>/dev/null; then
  echo "perf bench sched pipe: $(grep -o '[0-9.]* usecs/op' "$tmp/perf")"
fi
