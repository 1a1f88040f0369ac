#!/usr/bin/env bash
# vs-c.sh: ipcbench's pipe pingpong against a C program that makes the same
# syscalls (scripts/cref/pipe_pingpong.c), and against two Go programs that
# make them too (scripts/goref): one with nothing else in its loop, and one
# that also records an HDR histogram and verifies each reply, as ipcbench's
# loop does. Each round runs the four in an order shuffled afresh, so that
# all see the same machine; it prints each round, then per program the
# median over rounds of its ratio to C (and of ipcbench's to the Go loop),
# with the interquartile range of the per-round ratios.
#
#   scripts/vs-c.sh                 # 15 rounds of 100000 1-byte round trips
#   ROUNDS=9 ITERS=200000 SIZE=64 scripts/vs-c.sh
#   PIN=0,0 scripts/vs-c.sh         # both sides on CPU 0 (default PIN=0,1:
#                                   # side a on CPU 0, side b on CPU 1, as ipcbench pins)
#   PIN=none scripts/vs-c.sh        # neither pins its sides
#
# The split it shows: C → Go bare is what a Go process costs; Go bare → Go
# loop is the histogram and the verification; Go loop → ipcbench is the
# rest of ipcbench (its larger binary, its transport layer, its self-checks).
# On the 2-vCPU VM single rounds differ by up to 1.4× either way; quote the
# medians.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${ROUNDS:-15} iters=${ITERS:-100000} size=${SIZE:-1} pinpair=${PIN:-0,1}
cpin=() gpin=() ipin=(--cpus "$pinpair")
if [ "$pinpair" != none ]; then cpin=("${pinpair%,*}" "${pinpair#*,}") gpin=(-cpus "$pinpair"); fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cc -O2 -o "$tmp/cref" scripts/cref/pipe_pingpong.c
go build -o "$tmp/goref" ./scripts/goref
# ipcbench and its small worker binary together, stamped with the commit
# (-buildvcs=auto, over a GOFLAGS that may turn it off), so that ipcbench
# starts the worker binary: built from a checkout with local changes it
# re-executes itself instead, and says so.
go build -buildvcs=auto -o "$tmp/" ./cmd/ipcbench ./cmd/ipcbench-worker

mean_of() { sed -n 's/.*mean_rtt_ns=\([0-9.]*\).*/\1/p'; }
one() {
  case $1 in
    c) "$tmp/cref" "$iters" "$size" "${cpin[@]}" | mean_of ;;
    gobare) "$tmp/goref" -iters "$iters" -size "$size" "${gpin[@]}" | mean_of ;;
    goloop) "$tmp/goref" -iters "$iters" -size "$size" "${gpin[@]}" -hist -verify | mean_of ;;
    # CSV columns 4 status and 15 mean_ns of the round-trip histogram.
    ipcbench) "$tmp/ipcbench" run --transports pipe --workloads pingpong --sizes "$size" --count "$iters" "${ipin[@]}" \
        --format csv --out "$tmp/r.json" 2>/dev/null | awk -F, 'NR==2 && $4=="ok" {print $15}' ;;
  esac
}
progs=(c gobare goloop ipcbench)
printf '%-6s %10s %10s %10s %10s   (mean round trip, ns)\n' round "${progs[@]}"
: >"$tmp/rounds"
for r in $(seq "$rounds"); do
  declare -A v=()
  for p in $(printf '%s\n' "${progs[@]}" | shuf); do
    v[$p]=$(one "$p")
    [ -n "${v[$p]}" ] || { echo "$p failed in round $r" >&2; exit 1; }
  done
  printf '%-6s %10.0f %10.0f %10.0f %10.0f\n' "$r" "${v[c]}" "${v[gobare]}" "${v[goloop]}" "${v[ipcbench]}"
  echo "${v[c]} ${v[gobare]} ${v[goloop]} ${v[ipcbench]}" >>"$tmp/rounds"
done
python3 -c 'import json, sys; c = json.load(open(sys.argv[1]))["config"]; print("ipcbench workers ran:", c.get("worker_exe"), "-", c.get("worker_exe_reason"))' "$tmp/r.json"
awk -v pin="$pinpair" -v size="$size" -v iters="$iters" '
  function med(a, n,   i, j, t) { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
  function q(a, n, f) { return a[int((n - 1) * f) + 1] }  # after med sorted a
  function line(name, a, n) { m = med(a, n); printf "  %-22s median %.3f  IQR %.3f-%.3f  (%d rounds)\n", name, m, q(a, n, .25), q(a, n, .75), n }
  { n++; g0[n] = $2 / $1; g1[n] = $3 / $1; ic[n] = $4 / $1; ig[n] = $4 / $3; b1[n] = $3 / $2 }
  END {
    printf "per-round ratios (size %s B, %s round trips per run, sides on CPUs %s):\n", size, iters, pin
    line("Go bare / C", g0, n); line("Go loop / Go bare", b1, n); line("ipcbench / Go loop", ig, n); line("ipcbench / C", ic, n)
  }' "$tmp/rounds"
