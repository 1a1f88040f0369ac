#!/usr/bin/env bash
# changes-eval.sh: the known-truth evaluation of change-point detection.
# Writes three synthetic fleets with scripts/synthruns from one REAL results
# file, scores stats.ChangePoints (ipcbench changes' detector) and history's
# step tests on each with scripts/changeeval, and prints the figures as
# Markdown on stdout (progress goes to stderr):
#
#   fleet  HOSTS × NIGHTS (30 × 300), ±3 % noise; on each case one step
#          size (pipe 3 %, unix-stream 5 %, sysv-shm 10 %, so that precision
#          per size is the precision on that case): per case two code
#          changes (up, then back down), three host changes on three hosts
#          (up, down, up) and one drift over 20 nights, all hosts
#   aa     HOSTS × NIGHTS with no change (A/A): false alarms
#   one    1 host × 100 nights, pipe +10 % from night 51 on (issue 27's
#          measurement, which history missed)
#
#   scripts/changes-eval.sh > figures.md
#   HOSTS=5 NIGHTS=100 scripts/changes-eval.sh   # a quick check
#
# Environment (all optional):
#   WORK=/tmp/changes-eval  where the fleets, binaries and template go
#   TEMPLATE=file.json      the real run to copy; default WORK/template.json,
#                           made when missing with
#                           ipcbench run --transports pipe,unix-stream,sysv-shm
#                           --workloads pingpong --sizes 64 --repeat 6 --duration 200ms
#   HOSTS=30 NIGHTS=300 SEED=1
#   KEEP=1                  keep the fleets (default: removed at the end)
#
# Exit status: 0 when every fleet was scored, 1 when a step failed, 2 on
# bad input.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -ne 0 ]; then
  echo "usage: [WORK=dir] [TEMPLATE=run.json] [HOSTS=30] [NIGHTS=300] [SEED=1] [KEEP=1] scripts/changes-eval.sh  (see its head)" >&2
  exit 2
fi
work=${WORK:-/tmp/changes-eval}
template=${TEMPLATE:-$work/template.json}
hosts=${HOSTS:-30} nights=${NIGHTS:-300} seed=${SEED:-1}
if [ "$hosts" -lt 23 ] || [ "$nights" -lt 100 ]; then
  echo "changes-eval.sh: HOSTS=$hosts NIGHTS=$nights: want at least 23 hosts (host changes go to node-03 … node-22) and 100 nights" >&2
  exit 2
fi
mkdir -p "$work"
if [ ! -f "$template" ]; then
  echo "changes-eval.sh: making the template $template (about 10 s)" >&2
  go run ./cmd/ipcbench run --transports pipe,unix-stream,sysv-shm --workloads pingpong --sizes 64 \
    --repeat 6 --duration 200ms -o "$template" >&2
fi
go build -o "$work/synthruns" ./scripts/synthruns
go build -o "$work/changeeval" ./scripts/changeeval

# gen NAME ARGS...: a fleet in WORK/NAME, with its truth beside it.
gen() {
  local name=$1
  shift
  rm -rf "${work:?}/$name" "$work/$name.truth.json"
  echo "changes-eval.sh: writing $work/$name" >&2
  "$work/synthruns" -from "$template" -o "$work/$name" -seed "$seed" "$@" >&2
}

# The nights scale with NIGHTS so that a shorter check keeps the plan.
at() { echo $(($1 * nights / 300)); }
specs=()
for k in 0 1 2; do
  kase=(pipe/pingpong/64B unix-stream/pingpong/64B sysv-shm/pingpong/64B)
  pct=(3 5 10)
  c=${kase[$k]} s=${pct[$k]} o=$((k * 10))
  specs+=("code:$(at $((51 + o))):$c:+$s" "host:node-$(printf %02d $((3 + k))):$(at $((100 + o))):$c:+$s"
    "host:node-$(printf %02d $((10 + k))):$(at $((130 + o))):$c:-$s" "drift:$(at $((160 + o))):20:$c:+$s"
    "code:$(at $((220 + o))):$c:-$s" "host:node-$(printf %02d $((20 + k))):$(at $((260 + o))):$c:+$s")
done
inject=$(IFS=,; echo "${specs[*]}")
gen fleet -n $((hosts * nights)) -hosts "$hosts" -inject "$inject"
gen aa -n $((hosts * nights)) -hosts "$hosts" -aa
gen one -n 100 -hosts 1 -inject code:51:pipe/pingpong/64B:+10

echo "# Change points against known truth ($(date -u +%Y-%m-%d), template $(basename "$template"), seed $seed)"
echo
echo "Injected into fleet: $inject"
echo
for name in fleet aa one; do
  verbose=()
  [ "$name" = one ] && verbose=(-v)
  "$work/changeeval" -dir "$work/$name" "${verbose[@]}"
done
if [ "${KEEP:-0}" != 1 ]; then
  rm -rf "${work:?}/fleet" "$work/aa" "$work/one" "$work"/*.truth.json
fi
