#!/usr/bin/env bash
# fuzz-smoke.sh runs every Go fuzz target in the repository briefly: it
# finds them with `go test -list '^Fuzz'`, runs each for FUZZTIME (default
# 3s) one after another, and fails if any fails. A failing input is written
# under the package's testdata/fuzz/FuzzXxx/; check it in as a regression
# input once the bug is fixed. The seed corpora already run in `go test`.
#
#   scripts/fuzz-smoke.sh                 # every target, 3s each
#   FUZZTIME=30s scripts/fuzz-smoke.sh    # longer
#   FUZZ_PARALLEL=2 scripts/fuzz-smoke.sh # fuzzing workers per target (default 1)
set -euo pipefail
cd "$(dirname "$0")/.."

fuzztime=${FUZZTIME:-3s}
parallel=${FUZZ_PARALLEL:-1}

# `go test -list` prints the matching names of each package, then "ok  pkg";
# it fails (and so does this script) where a package does not build.
list=$(go test -list '^Fuzz' ./...)
mapfile -t lines < <(awk '/^Fuzz/ { names = names " " $1 } /^ok / { if (names != "") print $2 names; names = "" }' <<<"$list")
if [ "${#lines[@]}" -eq 0 ]; then
	echo "fuzz-smoke: no fuzz targets found" >&2
	exit 1
fi

failed=()
count=0
for line in "${lines[@]}"; do
	read -r pkg targets <<<"$line"
	for target in $targets; do
		count=$((count + 1))
		echo "fuzz-smoke: $pkg $target for $fuzztime"
		if ! go test "$pkg" -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" -parallel "$parallel"; then
			failed+=("$pkg $target")
		fi
	done
done

if [ "${#failed[@]}" -gt 0 ]; then
	echo "fuzz-smoke: ${#failed[@]} of $count targets failed:" >&2
	printf '  %s\n' "${failed[@]}" >&2
	exit 1
fi
echo "fuzz-smoke: $count targets passed"
