#!/usr/bin/env bash
# fuzz-smoke.sh runs every Go fuzz target in the repository briefly: it
# finds them with `go test -list '^Fuzz'`, runs each for FUZZTIME (default
# 30000x: 30,000 executions) one after another, and fails if any fails. A
# failing input is written under the package's testdata/fuzz/FuzzXxx/; check
# it in as a regression input once the bug is fixed. The seed corpora
# already run in `go test`.
#
#   scripts/fuzz-smoke.sh                    # every target, 30,000 executions each
#   FUZZTIME=1m scripts/fuzz-smoke.sh        # a minute each
#   FUZZ_PARALLEL=2 scripts/fuzz-smoke.sh    # fuzzing workers per target (default 1)
#   FUZZ_MINIMIZE=60s scripts/fuzz-smoke.sh  # minimizing budget per input (default 100x)
#
# The default budget is a count, not a time, for two reasons: every host does
# the same work (1.4-4.2 s a target here), and Go 1.26's fuzz coordinator can
# fail a target with a bare "context deadline exceeded" as a *time* budget
# ends (golang/go#75804, fixed in Go 1.27): the deadline reaches the
# coordinator before its workers' context, and the stop is reported as an
# error. With 1-3 s budgets it hit 3 of 73 target runs here and in CI, each
# time with no input written. A count budget has no deadline. Under a time
# budget, a target that failed in exactly that way (no other failure, no
# "Failing input", no new file in its corpus) runs once more; a second
# failure of any kind fails it.
#
# go test's own minimizing budget, 60 s, is spent on every input that finds
# new coverage, not only on failures. In a 3 s run the first such input took
# the rest of the run: FuzzParse made 27 executions in 3 s that way, and
# 28,310 with 100 executions of minimizing (each failing input is still
# written, only less reduced).
set -euo pipefail
cd "$(dirname "$0")/.."

fuzztime=${FUZZTIME:-30000x}
parallel=${FUZZ_PARALLEL:-1}
minimize=${FUZZ_MINIMIZE:-100x}

# `go test -list` prints the matching names of each package, then "ok  pkg";
# it fails (and so does this script) where a package does not build.
list=$(go test -list '^Fuzz' ./...)
mapfile -t lines < <(awk '/^Fuzz/ { names = names " " $1 } /^ok / { if (names != "") print $2 names; names = "" }' <<<"$list")
if [ "${#lines[@]}" -eq 0 ]; then
	echo "fuzz-smoke: no fuzz targets found" >&2
	exit 1
fi

out=$(mktemp)
trap 'rm -f "$out"' EXIT

# fuzz_once runs one target, its output to the terminal and to $out.
fuzz_once() {
	go test "$1" -run '^$' -fuzz "^${2}\$" -fuzztime "$fuzztime" -fuzzminimizetime "$minimize" -parallel "$parallel" 2>&1 | tee "$out"
	return "${PIPESTATUS[0]}"
}

# coordinator_race tells whether the failure in $out is golang/go#75804 alone:
# the target's one FAIL line followed by "context deadline exceeded", nothing
# written, and the corpus listing ($3, taken before the run) unchanged.
coordinator_race() {
	local target=$1 corpus=$2 before=$3
	[ "$(grep -c -- '--- FAIL' "$out")" -eq 1 ] || return 1
	grep -A1 -- "^--- FAIL: ${target} (" "$out" | tail -n 1 | grep -qx '[[:space:]]*context deadline exceeded' || return 1
	! grep -q 'Failing input written to' "$out" || return 1
	[ "$(ls -A "$corpus" 2>/dev/null)" = "$before" ]
}

failed=()
count=0
for line in "${lines[@]}"; do
	read -r pkg targets <<<"$line"
	dir=$(go list -f '{{.Dir}}' "$pkg")
	for target in $targets; do
		count=$((count + 1))
		corpus=$dir/testdata/fuzz/$target
		before=$(ls -A "$corpus" 2>/dev/null || true)
		echo "fuzz-smoke: $pkg $target for $fuzztime"
		if fuzz_once "$pkg" "$target"; then
			continue
		fi
		if coordinator_race "$target" "$corpus" "$before"; then
			echo "fuzz-smoke: $target stopped with the fuzz coordinator's deadline race (golang/go#75804), no input found; running it once more"
			if fuzz_once "$pkg" "$target"; then
				continue
			fi
		fi
		failed+=("$pkg $target")
	done
done

if [ "${#failed[@]}" -gt 0 ]; then
	echo "fuzz-smoke: ${#failed[@]} of $count targets failed:" >&2
	printf '  %s\n' "${failed[@]}" >&2
	exit 1
fi
echo "fuzz-smoke: $count targets passed"
