#!/usr/bin/env bash
# repro.sh: the reproducibility self-check. Runs `ipcbench run` on its
# defaults twice back to back, PAIRS times, and for each pair prints how far
# the two runs agree (scripts/repro: per case the difference of the main
# figure and whether each run's interval holds the other's figure; per
# transport the ratio to the fastest in both runs; any contradiction), what
# `ipcbench compare` says of the pair (an A/A comparison: it should test
# every case and exit 0), and how long each run took.
#
#   scripts/repro.sh               # 3 pairs, about 6 minutes on 2 vCPUs
#   PAIRS=1 scripts/repro.sh       # one pair
#
# Environment (all optional):
#   PAIRS=3           pairs of default runs
#   BIN=path          the ipcbench to check (default: built from this tree)
#   RUN_ARGS="..."    extra run flags for both runs of every pair
#   OUT=dir           where results and outputs go (default ./ipcbench-repro)
#
# Run it on an idle host: anything else running lands in the figures.
set -euo pipefail
cd "$(dirname "$0")/.."
PAIRS=${PAIRS:-3}
OUT=${OUT:-./ipcbench-repro}
mkdir -p "$OUT"
if [[ -z "${BIN:-}" ]]; then
	BIN="$OUT/ipcbench"
	go build -o "$BIN" ./cmd/ipcbench
fi
go build -o "$OUT/repro" ./scripts/repro
# shellcheck disable=SC2086
run() { # run NAME: one default run, timed
	local start end
	start=$(date +%s.%N)
	"$BIN" run ${RUN_ARGS:-} --out "$OUT/$1.json" --force >"$OUT/$1.txt" 2>"$OUT/$1.err"
	end=$(date +%s.%N)
	printf '%s took %.1f s\n' "$1" "$(echo "$end - $start" | bc)"
}
for i in $(seq 1 "$PAIRS"); do
	echo "== pair $i"
	run "pair$i-a"
	run "pair$i-b"
	"$OUT/repro" "$OUT/pair$i-a.json" "$OUT/pair$i-b.json" >"$OUT/pair$i.repro"
	tail -n 5 "$OUT/pair$i.repro"
	set +e
	"$BIN" compare "$OUT/pair$i-a.json" "$OUT/pair$i-b.json" >"$OUT/pair$i.compare" 2>&1
	code=$?
	set -e
	echo "compare A/A: exit $code; $(grep -cE '^\S' "$OUT/pair$i.compare" || true) lines in $OUT/pair$i.compare"
	echo "widest table line: $(LC_ALL=C.UTF-8 wc -L <"$OUT/pair$i-a.txt") characters; verdict lines: $(sed -n "/^Verdict/,\$p" "$OUT/pair$i-a.txt" | wc -l)"
done
