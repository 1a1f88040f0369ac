#!/usr/bin/env bash
# store-bench.sh: the results store's figures. Ingests a directory of results
# files into a SQLite store and a PostgreSQL store, and times history and
# compare over each store against the same queries over the files, printing
# a Markdown report on stdout (progress goes to stderr):
#
#   go run ./scripts/synthruns -from run.json -n 10000 -hosts 30 -o /tmp/synth
#   scripts/store-bench.sh /tmp/synth > figures.md
#   PG=0 REPS=1 scripts/store-bench.sh /tmp/synth-small   # a quick check
#
# Measured, each query REPS times with the median wall time and median peak
# RSS (/usr/bin/time %e and %M) reported:
#   ingest       store add of every file in DIR, once (one transaction a run)
#   size         SQLite: the database file, -wal and -shm after a checkpoint
#                (through the sqlite3 CLI where installed); PostgreSQL:
#                pg_database_size
#   history      --case CASE --metric METRIC over the whole fleet, and for one
#                host (store: --host HOST; files: a directory of that host's
#                files, hard-linked)
#   compare      'label:main,host:HOST,last:6' against '…,last:1' (store,
#                which leaves NEW's run out of BASE: the newest against the
#                five before it), and the same 5 and 1 files, hard-linked
#                into two directories
#   parity       history over the store and over the files must show the same
#                series: their rows, less any run:ID or file path, are diffed;
#                so are compare's outputs
# History over the files of the whole fleet is first timed over SAMPLE files;
# when that, scaled linearly to all of DIR, would take more than
# FILES_LIMIT_S per query or more than half the available memory, it is
# measured over SAMPLE files only and the full figure is extrapolated and
# marked so.
#
# Environment (all optional):
#   BIN=path          the ipcbench to measure (default: built from this tree)
#   WORK=dir          scratch (stores, links, outputs); default a temp dir,
#                     removed at the end unless KEEP=1
#   REPS=3            runs of each query
#   FILES_REPS=REPS   runs of history over all the files of the fleet (the
#                     slowest query by far)
#   CASE=pipe/pingpong/64B  METRIC=p99  HOST=node-03
#   SAMPLE=1000  FILES_LIMIT_S=300
#   PG=1              0 skips PostgreSQL (scripts/pg-test-server.sh, psql)
#   ONLY=files|stores measure one half: ONLY=files WORK=w measures the files
#                     and keeps w; ONLY=stores WORK=w then measures the stores
#                     and prints the report with the files' figures from w
#                     (the files' half is the slow one)
#
# Exit status: 0 when measured (even where parity failed: the report says
# so), 2 on bad input or a command that failed.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -ne 1 ] || [ ! -d "$1" ]; then
  echo "usage: scripts/store-bench.sh DIR  (a directory of results files)" >&2
  exit 2
fi
dir=$(cd "$1" && pwd)
reps=${REPS:-3} kase=${CASE:-pipe/pingpong/64B} metric=${METRIC:-p99} host=${HOST:-node-03}
sample=${SAMPLE:-1000} limit_s=${FILES_LIMIT_S:-300} pg=${PG:-1} only=${ONLY:-}
case $only in
'' | files | stores) ;;
*) echo "store-bench: ONLY=$only, want files or stores" >&2; exit 2 ;;
esac
if [ -n "$only" ] && [ -z "${WORK:-}" ]; then
  echo "store-bench: ONLY=$only needs WORK=dir, kept between the halves" >&2
  exit 2
fi
[ "$only" = files ] && KEEP=1

work=${WORK:-$(mktemp -d "${TMPDIR:-/tmp}/store-bench.XXXXXX")}
mkdir -p "$work"
pgdir=$work/pg
pg_started=
cleanup() {
  if [ -n "$pg_started" ]; then bash scripts/pg-test-server.sh stop "$pgdir" >&2 || true; fi
  if [ "${KEEP:-0}" != 1 ]; then rm -rf "$work"; fi
}
trap cleanup EXIT

if [ -n "${BIN:-}" ]; then
  bin=$BIN
else
  bin=$work/ipcbench
  go build -o "$bin" ./cmd/ipcbench
fi
say() { echo "store-bench: $*" >&2; }

mapfile -t files < <(find "$dir" -maxdepth 1 -name '*.json' -type f | sort)
n=${#files[@]}
if [ "$n" -eq 0 ]; then
  echo "store-bench: no *.json in $dir" >&2
  exit 2
fi
bytes=$(du -sb "$dir" | cut -f1)
# The hostname is near the head of a file: grep stops at its first match.
hosts=$(printf '%s\0' "${files[@]}" | xargs -0 grep -m1 -ho '"hostname": "[^"]*"' | sort -u | wc -l)

# median: the middle of the numbers on stdin (the lower middle of an even count).
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# measure NAME CMD...: runs CMD REPS times, its stdout into $work/NAME.out
# (the last run's), and appends "NAME|median s|median KiB" to $work/rows.
measure() {
  local name=$1 i t=() m=()
  shift
  for ((i = 0; i < reps; i++)); do
    if ! /usr/bin/time -f '%e %M' -o "$work/$name.time" "$@" >"$work/$name.out" 2>"$work/$name.err"; then
      # history and compare exit 1 on a flagged regression and 3 on an
      # untested step; only 2 (bad input) is a failure here.
      local rc
      rc=$(sed -n 's/^Command exited with non-zero status //p' "$work/$name.time")
      if [ "${rc:-2}" = 2 ]; then
        echo "store-bench: $name failed: $*; see $work/$name.err" >&2
        KEEP=1
        exit 2
      fi
    fi
    read -r s k < <(tail -1 "$work/$name.time")
    t+=("$s") m+=("$k")
  done
  echo "$name|$(printf '%s\n' "${t[@]}" | median)|$(printf '%s\n' "${m[@]}" | median)" >>"$work/rows"
  say "$name: $(tail -1 "$work/rows")"
}

# row NAME: "s | MiB" of a measured NAME, for the table.
row() {
  awk -F'|' -v n="$1" '$1 == n { printf "%.2f s | %.0f MiB", $2, $3 / 1024; found = 1 } END { if (!found) printf "– | –" }' "$work/rows"
}

# series FILE: history's rows without the run's path or run:ID, for the
# parity diff (the header that lists runs by number stays out too).
series() {
  awk 'f && NF { for (i = 1; i <= NF; i++) if ($i ~ /^run:/ || $i ~ /\.json$/) $i = ""; print } /^RUN / { f = 1 }' "$1"
}

hist=(history --case "$kase" --metric "$metric")
extrapolated='' files_n=$n host_n=''

# --- the files -------------------------------------------------------------
# bench_files: history and compare over the files. The host's files and the
# compare sides are hard-linked (readers refuse a symbolic link), sorted by
# start time.
bench_files() {
  say "$n files, $hosts hosts; finding $host's runs"
  mkdir -p "$work/host" "$work/base" "$work/new"
  printf '%s\0' "${files[@]}" | xargs -0 grep -l -m1 "\"hostname\": \"$host\"" >"$work/host.list" || true
  if [ ! -s "$work/host.list" ]; then
    echo "store-bench: no run of HOST=$host in $dir" >&2
    exit 2
  fi
  while read -r f; do
    started=$(grep -m1 -o '"started_at": "[^"]*"' "$f" | cut -d'"' -f4)
    label=$(grep -m1 -o '"label": "[^"]*"' "$f" | cut -d'"' -f4 || true)
    echo "$started $label $f"
  done <"$work/host.list" | sort >"$work/host.sorted"
  awk '{ print $3 }' "$work/host.sorted" | xargs -I{} ln {} "$work/host/"
  awk '$2 == "main" { print $3 }' "$work/host.sorted" | tail -6 | sed '$d' | xargs -I{} ln {} "$work/base/"
  awk '$2 == "main" { print $3 }' "$work/host.sorted" | tail -1 | xargs -I{} ln {} "$work/new/"
  host_n=$(wc -l <"$work/host.list")

  if [ "$n" -gt "$sample" ]; then
    mkdir -p "$work/sample"
    printf '%s\n' "${files[@]:0:sample}" | xargs -I{} ln {} "$work/sample/"
    say "files: history over $sample files first"
    /usr/bin/time -f '%e %M' -o "$work/probe.time" "$bin" "${hist[@]}" "$work/sample" >/dev/null 2>&1 || true
    read -r s k < <(tail -1 "$work/probe.time")
    avail=$(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo)
    if awk -v s="$s" -v k="$k" -v n="$n" -v m="$sample" -v l="$limit_s" -v a="$avail" \
      'BEGIN { exit !(s * n / m > l || k * n / m > a / 2) }'; then
      extrapolated=1 files_n=$sample
      say "files: $sample files took $s s and $k KiB: all $n would exceed ${limit_s}s or half of memory; extrapolating"
    fi
  fi
  local r=$reps
  reps=${FILES_REPS:-$reps}
  if [ -n "$extrapolated" ]; then
    measure files-history-fleet "$bin" "${hist[@]}" "$work/sample"
  else
    measure files-history-fleet "$bin" "${hist[@]}" "$dir"
  fi
  reps=$r
  measure files-history-host "$bin" "${hist[@]}" "$work/host"
  measure files-compare "$bin" compare "$work/base" "$work/new"
  cp "$work/files-history-fleet.out" "$work/files-fleet.txt"
  cp "$work/files-history-host.out" "$work/files-host.txt"
}

if [ "$only" = stores ]; then
  if [ ! -f "$work/files.env" ]; then
    echo "store-bench: no $work/files.env: run ONLY=files WORK=$work first" >&2
    exit 2
  fi
  # shellcheck source=/dev/null
  . "$work/files.env"
  sed -i '/^sqlite-\|^postgres-/d' "$work/rows"
else
  : >"$work/rows"
  bench_files
  echo "extrapolated=$extrapolated files_n=$files_n host_n=$host_n" >"$work/files.env"
  if [ "$only" = files ]; then
    say "files measured; now ONLY=stores WORK=$work $0 $1"
    exit 0
  fi
fi

# --- the stores ------------------------------------------------------------
# bench_store NAME URL: ingest, size, history, compare, parity for one store.
declare -A size parity_fleet parity_host parity_compare
bench_store() {
  local name=$1 url=$2
  say "$name: ingest"
  measure_once "$name-ingest" "$bin" store add --store="$url" "$dir"
  "$bin" store info --store="$url" >"$work/$name-info.txt" 2>&1 || true
  measure "$name-history-fleet" "$bin" "${hist[@]}" --store="$url"
  cp "$work/$name-history-fleet.out" "$work/$name-fleet.txt"
  measure "$name-history-host" "$bin" "${hist[@]}" --store="$url" --host "$host"
  cp "$work/$name-history-host.out" "$work/$name-host.txt"
  measure "$name-compare" "$bin" compare --store="$url" "label:main,host:$host,last:6" "label:main,host:$host,last:1"
  if [ -z "$extrapolated" ]; then
    parity_fleet[$name]=$(parity "$work/files-fleet.txt" "$work/$name-fleet.txt")
  else
    parity_fleet[$name]="not checked: the files were measured over $sample only"
  fi
  parity_host[$name]=$(parity "$work/files-host.txt" "$work/$name-host.txt")
  if diff "$work/files-compare.out" "$work/$name-compare.out" >"$work/parity.diff"; then
    parity_compare[$name]="match ($(wc -l <"$work/files-compare.out") lines)"
  else
    parity_compare[$name]="DIFFER: $(grep -c '^[<>]' "$work/parity.diff") lines; first: $(grep -m1 '^[<>]' "$work/parity.diff")"
  fi
}
measure_once() { local r=$reps; reps=1; measure "$@"; reps=$r; }
parity() {
  if diff <(series "$1") <(series "$2") >"$work/parity.diff"; then
    echo "match ($(series "$1" | wc -l) rows)"
  else
    echo "DIFFER: $(grep -c '^[<>]' "$work/parity.diff") lines; first: $(grep -m1 '^[<>]' "$work/parity.diff")"
  fi
}

sqlite=$work/store.db
rm -f "$sqlite" "$sqlite"-*
# dbsize: the SQLite files' sizes in MiB, each and in all.
dbsize() {
  (cd "$work" && stat -c '%n %s' store.db*) | awk '{ t += $2; printf "%s%s %.1f MiB", sep, $1, $2 / 1048576; sep = ", " } END { printf "; %.1f MiB in all", t / 1048576 }'
}
bench_store sqlite "sqlite:$sqlite"
if command -v sqlite3 >/dev/null; then
  sqlite3 "$sqlite" 'pragma wal_checkpoint(TRUNCATE);' >/dev/null
  size[sqlite]="$(dbsize) (after a checkpoint)"
else
  size[sqlite]="$(dbsize) (no sqlite3 CLI: no checkpoint)"
fi

if [ "$pg" = 1 ]; then
  say "postgres: starting a private server"
  admin=$(bash scripts/pg-test-server.sh start "$pgdir")
  pg_started=1
  psql -q "$admin" -c 'create database bench' >&2
  pgurl=${admin/\/postgres\?//bench?}
  bench_store postgres "$pgurl"
  size[postgres]="$(psql -At "$pgurl" -c "select pg_database_size('bench')" | awk '{ printf "%.1f MiB", $1 / 1048576 }') (pg_database_size)"
fi

# --- the report ------------------------------------------------------------
mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }
commit=$(git rev-parse --short=12 HEAD)$(git diff --quiet HEAD -- . 2>/dev/null || echo "-dirty")
cat <<EOF
**Input.** $n results files in \`$dir\`, $(mib "$bytes") ($(mib $((bytes / n))) a file), $hosts hosts;
$host has $host_n runs. Case \`$kase\`, metric \`$metric\`; every query run $reps times (history over all the files: ${FILES_REPS:-$reps}), the median shown.

**Machine.** $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(awk '/^MemTotal:/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo) memory;
ipcbench at $commit ($("$bin" --version 2>/dev/null | head -1)).

| what | files: wall | RSS | SQLite: wall | RSS | PostgreSQL: wall | RSS |
|---|---|---|---|---|---|---|
| ingest, all $n runs (once) | – | – | $(row sqlite-ingest) | $(row postgres-ingest) |
| history, whole fleet ($([ -n "$extrapolated" ] && echo "files: over $files_n, **extrapolated** to $n below" || echo "$n runs")) | $(row files-history-fleet) | $(row sqlite-history-fleet) | $(row postgres-history-fleet) |
EOF
if [ -n "$extrapolated" ]; then
  awk -F'|' -v n="$n" -v m="$files_n" '$1 == "files-history-fleet" { printf "| history, whole fleet, files **extrapolated** ×%.0f to %d runs | %.0f s | %.0f MiB | | | | |\n", n / m, n, $2 * n / m, $3 * n / m / 1024 }' "$work/rows"
fi
cat <<EOF
| history, --host $host ($host_n runs) | $(row files-history-host) | $(row sqlite-history-host) | $(row postgres-history-host) |
| compare, $host: newest run against the 5 before | $(row files-compare) | $(row sqlite-compare) | $(row postgres-compare) |

Wall time and peak RSS are the medians of the runs. Sizes: files $(mib "$bytes"); SQLite ${size[sqlite]:-–}; PostgreSQL ${size[postgres]:-not measured (PG=0)}.

**Parity** (history's rows, less the run's path or run:ID, store against files):
- SQLite: fleet ${parity_fleet[sqlite]:-–}; $host ${parity_host[sqlite]:-–}
- PostgreSQL: fleet ${parity_fleet[postgres]:-–}; $host ${parity_host[postgres]:-–}

Compare's output, store against files: SQLite ${parity_compare[sqlite]:-–}; PostgreSQL ${parity_compare[postgres]:-–}.
EOF
for s in sqlite postgres; do
  if [ -f "$work/$s-info.txt" ]; then
    # shellcheck disable=SC2016 # the backquotes are Markdown's
    printf '\n`store info` (%s):\n\n```\n%s\n```\n' "$s" "$(sed 's/:[^:@/]*@/:***@/' "$work/$s-info.txt")"
  fi
done
