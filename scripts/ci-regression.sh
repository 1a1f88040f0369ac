#!/usr/bin/env bash
# ci-regression.sh: fail a CI job when a candidate build's IPC performance
# regresses against a baseline build. A thin wrapper over `ipcbench ab`,
# which runs the two builds in alternating rounds on this machine and
# compares them (docs/regression-tracking.md); this script keeps the
# environment interface of its earlier versions.
#
#   scripts/ci-regression.sh BASE_BIN NEW_BIN            # two ipcbench binaries
#   scripts/ci-regression.sh                            # this tree against itself (an A/A check)
#
# Environment (all optional):
#   ROUNDS=10           alternations of base and new (ab --rounds); each file is one sample,
#                       so ROUNDS must be ≥ 4 for a U test, and 7 for one case among ~60 to be flagged alone
#   REPEAT=1            accepted for compatibility; only 1 is supported (ab runs --repeat 1:
#                       rounds, not repetitions, are the independent unit)
#   RUN_ARGS="..."      what to run (default: pipe, unix-stream, sysv-shm pingpong at 64 B and 4 KiB, 300 ms)
#   NEW_ARGS="..."      extra run flags for the candidate only (ab --new-args); to check the
#                       gate itself: NEW_ARGS="--test-send-delay pipe=2us" must exit 1
#   COMPARE_ARGS="..."  ab's compare flags, e.g. "--metric p50,p99 --threshold 10%"
#   CPUS=0              pin both sides with taskset
#   OUT=dir             where ab makes its timestamped directory (default ./ipcbench-ci);
#                       compare.txt and compare.md go beside the rounds' files
#
# Exit status: that of ipcbench ab: 0 no regression, 1 a regression or a failed run,
# 2 bad input, 3 nothing (or not everything) could be tested.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-ipcbench-ci}
run_args=${RUN_ARGS:---transports pipe,unix-stream,sysv-shm --workloads pingpong --sizes 64,4K --duration 300ms}
if [ "${REPEAT:-1}" != 1 ]; then
  echo "ci-regression: REPEAT=${REPEAT} is no longer supported: ipcbench ab runs --repeat 1 a round; raise ROUNDS" >&2
  exit 2
fi
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

mkdir -p "$out"
set +e
# shellcheck disable=SC2086 # RUN_ARGS and COMPARE_ARGS are lists of flags
"${pin[@]}" "$new_bin" ab "$base_bin" "$new_bin" --rounds "${ROUNDS:-10}" --out "$out" \
  --new-args "${NEW_ARGS:-}" ${COMPARE_ARGS:-} $run_args | tee "$out/compare.txt"
status=${PIPESTATUS[0]}
set -e
dir=$(ls -1d "$out"/*/ 2>/dev/null | tail -1)
if [ -n "$dir" ] && [ -d "$dir/base" ]; then
  mv "$out/compare.txt" "$dir/compare.txt"
  # shellcheck disable=SC2086
  "$new_bin" compare "$dir/base" "$dir/new" ${COMPARE_ARGS:-} --format markdown >"$dir/compare.md" 2>/dev/null || true
fi
exit "$status"
