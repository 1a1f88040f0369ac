#!/usr/bin/env bash
# aa-gate.sh: measure the regression gate itself. Runs N A/A comparisons of
# one build (both sides the same binary, so every "regression" is a false
# alarm) and N comparisons with a ~10 % slowdown injected on one side (so
# every pass is a miss), each with compare's default gate, and prints
#
#   A/A: k of N exited 1
#   slowdown: k of N caught
#
#   scripts/aa-gate.sh            # N=20, about 10 minutes on a quiet host
#   N=2 scripts/aa-gate.sh        # a quick check that it works
#
# Environment (all optional):
#   N=20                 comparisons of each kind
#   BIN=path             the ipcbench to measure (default: built from this tree)
#   TRANSPORTS=pipe,unix-stream,sysv-msg   WORKLOADS=pingpong   SIZES=64
#   DURATION=200ms       measured window per case; it must give each repetition
#                        10 000 round trips (p99 of the default gate then has 100
#                        samples beyond it), else compare leaves p99 untested and
#                        exits 3: 200 ms suffices for a pinned ~5 µs pipe round
#                        trip on a quiet host, not for a 50 µs one on a busy host
#   REPEAT=6             repetitions per side (6+6 is the smallest count whose
#                        U test reaches p=0.0022, with confidence intervals)
#   CPUS=0,1             run --cpus: pin side a and side b; "none" for the scheduler
#   SLOW=pipe            the transport slowed in the slowdown comparisons
#   SLOWDOWN=0.10        the slowdown, as a fraction of SLOW's pingpong round trip
#   COMPARE_ARGS="..."   extra compare flags (default: none, the default gate)
#   OUT=dir              where results and outputs go (default ./ipcbench-aa-gate)
#
# The slowdown is run's hidden --test-send-delay SLOW=Xns, a busy-wait before
# each of side a's sends, i.e. once per pingpong round trip: X is SLOWDOWN
# times SLOW's p50 round trip, measured by a calibration run first. Within a
# round the order of the two runs alternates, so that drift does not always
# favour one side.
#
# Exit status: 0 when at most max(1, N/20) A/A comparisons exited 1 and every
# slowdown was caught; 1 otherwise; 2 on bad input or a run that failed.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${N:-20} out=${OUT:-ipcbench-aa-gate}
transports=${TRANSPORTS:-pipe,unix-stream,sysv-msg} workloads=${WORKLOADS:-pingpong} sizes=${SIZES:-64}
duration=${DURATION:-200ms} repeat=${REPEAT:-6} cpus=${CPUS:-0,1} slow=${SLOW:-pipe} slowdown=${SLOWDOWN:-0.10}

case ",$transports," in
*",$slow,"*) ;;
*) echo "aa-gate: SLOW=$slow is not in TRANSPORTS=$transports" >&2; exit 2 ;;
esac
if [ -n "${BIN:-}" ]; then
  bin=$BIN
else
  bin="${TMPDIR:-/tmp}/ipcbench-aa-gate-$$"
  go build -o "$bin" ./cmd/ipcbench
  trap 'rm -f "$bin"' EXIT
fi

rm -rf "$out"
mkdir -p "$out"
run_args=(--cpus "$cpus" --transports "$transports" --workloads "$workloads" --sizes "$sizes" --duration "$duration")

# run FILE [EXTRA...]: one side of a comparison.
run() {
  local file=$1
  shift
  if ! "$bin" run "${run_args[@]}" --repeat "$repeat" "$@" --out "$file" --format csv >/dev/null 2>"$file.stderr"; then
    echo "aa-gate: run failed, see $file.stderr" >&2
    exit 2
  fi
}

# The delay: SLOWDOWN of SLOW's p50 pingpong round trip (CSV column 10, p50_ns).
run "$out/calibrate.json" --transports "$slow" --workloads pingpong --repeat 3
rtt_ns=$("$bin" export --format csv "$out/calibrate.json" | awk -F, -v t="$slow" '$1 == t && $2 == "pingpong" && $4 == "ok" { print $10; exit }')
if [ -z "$rtt_ns" ]; then
  echo "aa-gate: no $slow pingpong round trip in $out/calibrate.json" >&2
  exit 2
fi
delay_ns=$(awk -v r="$rtt_ns" -v s="$slowdown" 'BEGIN { printf "%d", r * s }')
echo "aa-gate: $slow pingpong round trip ${rtt_ns} ns; slowdown: --test-send-delay $slow=${delay_ns}ns" >&2

# compare_pair KIND I EXTRA_FOR_B...: runs sides a and b (alternating which
# goes first) and records compare's exit status.
compare_pair() {
  local kind=$1 i=$2
  shift 2
  local dir="$out/$kind/$i"
  mkdir -p "$dir"
  if [ $((i % 2)) -eq 1 ]; then
    run "$dir/a.json"
    run "$dir/b.json" "$@"
  else
    run "$dir/b.json" "$@"
    run "$dir/a.json"
  fi
  local status=0
  # shellcheck disable=SC2086 # COMPARE_ARGS is a list of flags
  "$bin" compare "$dir/a.json" "$dir/b.json" ${COMPARE_ARGS:-} >"$dir/compare.txt" 2>"$dir/compare.stderr" || status=$?
  echo "$status" >"$dir/exit"
  echo "aa-gate: $kind $i/$n: compare exited $status" >&2
  if [ "$status" -eq 2 ]; then
    echo "aa-gate: compare refused its input, see $dir/compare.stderr" >&2
    exit 2
  fi
}

for i in $(seq "$n"); do
  compare_pair aa "$i"
  compare_pair slowdown "$i" --test-send-delay "$slow=${delay_ns}ns"
done

# count KIND STATUS: how many comparisons of KIND exited STATUS.
count() { cat "$out/$1"/*/exit | grep -cx "$2" || true; }
aa1=$(count aa 1) aa3=$(count aa 3) caught=$(count slowdown 1) slow3=$(count slowdown 3)
echo "A/A: $aa1 of $n exited 1 ($aa3 exited 3, untested)"
echo "slowdown: $caught of $n caught ($slow3 exited 3, untested; $slow slowed by ${delay_ns} ns per round trip of ${rtt_ns} ns)"
allowed=$(( n / 20 > 1 ? n / 20 : 1 ))
if [ "$aa1" -le "$allowed" ] && [ "$caught" -eq "$n" ]; then
  exit 0
fi
exit 1
