#!/usr/bin/env bash
# vs-ring.sh: shm-ring against its ceilings, side by side in one script.
#   1. spin round trip of shm-slots and shm-ring-spin, 1 B, against two C
#      ping-pongs between two processes (scripts/cref/cacheline_pingpong.c) on
#      the same two CPUs, alternating: one cache line each way, the floor and
#      shm-slots' reference (its small hand-off is one line), and the same
#      ping-pong over shm-ring-spin's own protocol (head, record, tail: two
#      lines a hand-off), shm-ring-spin's reference;
#   2. 1 MiB streaming in place (the producer writes each message into the
#      ring, the consumer verifies it there) vs single-core memcpy of 1 MiB
#      and vs the same in-place stream in C, measured by the same C program
#      in the same rounds;
#   3. spin-futex vs spin: round trip, and the echoing side's CPU per message
#      when the other side pauses 1 ms before each send (an idle peer).
#
# Each round prints its ratios; the summary is their median over ROUNDS
# rounds. On a VM whose vCPUs move on the host the C floor itself jumps from
# round to round, so read the medians, over at least 15 rounds.
#
#   scripts/vs-ring.sh                # CPUs 0,1, 15 rounds
#   CPUS=2,3 ROUNDS=9 scripts/vs-ring.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cpus=${CPUS:-0,1} rounds=${ROUNDS:-15}
a=${cpus%,*} b=${cpus#*,}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cc -O2 -o "$tmp/clpp" scripts/cref/cacheline_pingpong.c
go build -buildvcs=auto -o "$tmp/" ./cmd/ipcbench ./cmd/ipcbench-worker # the small worker binary, as vs-c.sh
run() { "$tmp/ipcbench" run --cpus "$cpus" --warmup 100ms --format csv --out "$tmp/r.json" "$@" 2>/dev/null; }
# CSV columns: 1 transport, 7 msgs_per_sec, 8 mb_per_sec, 10 p50_ns, 15 mean_ns, 17 cpu_ns_per_msg

# Round trips in ns: C one line (c_line), C over the ring's protocol
# (c_ring), shm-slots (slots) and shm-ring-spin (ring); the ratios are
# slots/c_line, ring/c_line and ring/c_ring.
printf '%-5s %7s %7s %7s %7s %7s %7s %7s %9s %9s %9s %7s %7s\n' round c_line c_ring slots ring \
  sl/c_ln rg/c_ln rg/c_rg memcpy_MBps c_inpl_MBps inpl_MBps /memcpy /c_inpl
sratios=() ratios=() rratios=() shares=() cshares=()
for r in $(seq "$rounds"); do
  read -r c cr mc ci < <("$tmp/clpp" 2000000 "$a" "$b" |
    sed 's/mean_rtt_ns=\([0-9.]*\) ring_rtt_ns=\([0-9.]*\) memcpy_1mib_mbps=\([0-9]*\) c_inplace_stream_mbps=\([0-9]*\).*/\1 \2 \3 \4/')
  g=$(run --transports shm-ring-spin --workloads pingpong --sizes 1 --duration 1s | awk -F, 'NR==2 && $4=="ok" {print $15}')
  sl=$(run --transports shm-slots --workloads pingpong --sizes 1 --duration 1s | awk -F, 'NR==2 && $4=="ok" {print $15}')
  s=$(run --transports shm-ring-spin --workloads stream-inplace --sizes 1M --duration 1s | awk -F, 'NR==2 && $4=="ok" {print $8}')
  [ -n "$g" ] && [ -n "$sl" ] && [ -n "$s" ] || { echo "ipcbench run failed" >&2; exit 1; }
  sratio=$(echo "$sl / $c" | bc -l) ratio=$(echo "$g / $c" | bc -l) rratio=$(echo "$g / $cr" | bc -l)
  share=$(echo "$s / $mc" | bc -l) cshare=$(echo "$s / $ci" | bc -l)
  sratios+=("$sratio") ratios+=("$ratio") rratios+=("$rratio") shares+=("$share") cshares+=("$cshare")
  printf '%-5s %7.1f %7.1f %7.1f %7.1f %7.2f %7.2f %7.2f %9.0f %9.0f %9.0f %7.2f %7.2f\n' \
    "$r" "$c" "$cr" "$sl" "$g" "$sratio" "$ratio" "$rratio" "$mc" "$ci" "$s" "$share" "$cshare"
done
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }
printf 'median over %d rounds, round trip against the C one-line ping-pong: shm-slots %.2f, shm-ring-spin %.2f\n' \
  "$rounds" "$(median "${sratios[@]}")" "$(median "${ratios[@]}")"
printf 'median over %d rounds, shm-ring-spin against C over the same ring protocol: %.2f\n' "$rounds" "$(median "${rratios[@]}")"
printf 'median 1 MiB in-place stream (shm-ring-spin) / memcpy = %.2f, / C in-place stream = %.2f (CPUs %s)\n' \
  "$(median "${shares[@]}")" "$(median "${cshares[@]}")" "$cpus"

echo
echo "spin-futex against spin (CPUs $cpus): round trip, and CPU per message of the echoing side"
echo "when the initiator pauses 1 ms before each send (--test-send-delay):"
printf '%-22s %12s %22s\n' transport rtt_mean_ns echoer_cpu_ns_per_msg
for t in shm-ring-spin shm-ring-spin-futex; do
  rtt=$(run --transports "$t" --workloads pingpong --sizes 64 --duration 1s | awk -F, 'NR==2 {print $15}')
  run --transports "$t" --workloads pingpong --sizes 64 --duration 1s --test-send-delay "$t=1ms" >/dev/null
  cpu=$(python3 -c "import json; c=json.load(open('$tmp/r.json'))['cases'][0]; print(round(c['workers'][1]['cpu_ns_per_msg']))")
  printf '%-22s %12.0f %22s\n' "$t" "$rtt" "$cpu"
done
