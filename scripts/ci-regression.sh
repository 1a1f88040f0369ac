#!/usr/bin/env bash
# ci-regression.sh: fail a CI job when a candidate build's IPC performance
# regresses against a baseline build, measured on the same machine in the
# same job, interleaved so that both see the same drift.
#
#   scripts/ci-regression.sh BASE_BIN NEW_BIN            # two ipcbench binaries
#   scripts/ci-regression.sh                            # this tree against itself (an A/A check)
#
# Environment (all optional):
#   ROUNDS=6            alternations of base and new; each runs --repeat REPEAT. compare
#                       takes each round's file as one sample (rounds, not repetitions,
#                       are the independent unit), so ROUNDS must be ≥ 4 for a U test
#   REPEAT=1            repetitions per case per round (their median is the round's figure)
#   RUN_ARGS="..."      what to run (default: pipe, unix-stream, sysv-shm pingpong at 64 B and 4 KiB, 300 ms)
#   NEW_ARGS="..."      extra run flags for the candidate only; to check the gate itself:
#                       NEW_ARGS="--test-send-delay pipe=2us" must exit 1
#   COMPARE_ARGS="..."  e.g. "--metric p50,p99 --threshold 10%"
#   CPUS=0              pin both sides with taskset; on small VMs, where placement
#                       across CPUs swings latency several-fold, pinning is what
#                       lets a 5-10 % change show (see README)
#   OUT=dir             where results and the comparison go (default ./ipcbench-ci)
#
# Exit status: that of ipcbench compare: 0 no regression, 1 a regression,
# 2 bad input, 3 nothing (or not everything) could be tested; 1 as well if a
# run fails.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${ROUNDS:-6} repeat=${REPEAT:-1} out=${OUT:-ipcbench-ci}
run_args=${RUN_ARGS:---transports pipe,unix-stream,sysv-shm --workloads pingpong --sizes 64,4K --duration 300ms}
pin=()
if [ -n "${CPUS:-}" ]; then pin=(taskset -c "$CPUS"); fi

if [ $# -eq 2 ]; then
  base_bin=$1 new_bin=$2
elif [ $# -eq 0 ]; then
  go build -o "${TMPDIR:-/tmp}/ipcbench-ci-$$" ./cmd/ipcbench
  base_bin="${TMPDIR:-/tmp}/ipcbench-ci-$$" new_bin=$base_bin
  trap 'rm -f "$base_bin"' EXIT
else
  echo "usage: $0 [BASE_BIN NEW_BIN]" >&2
  exit 2
fi

rm -rf "$out"
mkdir -p "$out/base" "$out/new"
for r in $(seq "$rounds"); do
  for side in base new; do
    bin=$base_bin extra=""
    if [ "$side" = new ]; then bin=$new_bin extra=${NEW_ARGS:-}; fi
    echo "ci-regression: round $r/$rounds: $side" >&2
    # shellcheck disable=SC2086 # RUN_ARGS is a list of flags
    "${pin[@]}" "$bin" run $run_args $extra --repeat "$repeat" --label "$side" \
      --out "$out/$side/round$r.json" --format csv >/dev/null
  done
done
set +e
# shellcheck disable=SC2086
"$new_bin" compare "$out/base" "$out/new" ${COMPARE_ARGS:-} | tee "$out/compare.txt"
status=${PIPESTATUS[0]}
# shellcheck disable=SC2086
"$new_bin" compare "$out/base" "$out/new" ${COMPARE_ARGS:-} --format markdown >"$out/compare.md" 2>/dev/null
exit "$status"
