#!/usr/bin/env bash
# pg-test-server.sh runs a private, throwaway PostgreSQL server for the
# results store's PostgreSQL tests (results/store), so they never touch, or
# depend on, the machine's own cluster (no pg_ctlcluster, no service, no 5432).
#
#   scripts/pg-test-server.sh start DIR
#       Creates DIR if missing and runs a fresh server whose data dir
#       (DIR/data), socket dir (DIR/sock) and log (DIR/log) all live under
#       DIR. Prints exactly one line on stdout, the admin URL of the
#       superuser role ipcbench_test (the tests CREATE DATABASE through it):
#         postgres://ipcbench_test:PASSWORD@127.0.0.1:PORT/postgres?sslmode=disable
#       PASSWORD is random (hex); PORT is a free one in 40000-59999 on
#       127.0.0.1. The server listens on 127.0.0.1 only, with fsync,
#       synchronous_commit and full_page_writes off (test data only).
#       Nothing else goes to stdout; initdb's and the server's output go to
#       DIR/log. When it cannot start it exits non-zero with one line on
#       stderr saying why.
#   scripts/pg-test-server.sh stop DIR
#       Stops that server (pg_ctl stop -m fast) and removes its files from
#       DIR (DIR itself stays). Exits 0 when nothing runs there.
#
# Binaries (initdb, pg_ctl, pg_isready) come from the newest
# /usr/lib/postgresql/*/bin (Debian's layout), else from PATH; PG_BINDIR, when
# set, is the only place looked in. initdb refuses to run as root, so as root
# the server runs as the postgres system user (Debian's postgresql package
# creates it), owning DIR's server files; otherwise as the current user.
set -euo pipefail

# Only the URL goes to stdout: everything else goes to stderr (fd 1 -> 2).
exec 3>&1 1>&2

die() {
  echo "pg-test-server: $*" >&2
  exit 1
}

usage() {
  die "usage: $0 start|stop DIR"
}

[ $# -eq 2 ] || usage
cmd=$1
[ -n "$2" ] || usage
if [ "$cmd" = stop ] && [ ! -d "$2" ]; then
  exit 0
fi
mkdir -p -- "$2" || die "cannot create $2"
dir=$(cd -- "$2" && pwd -P)
data=$dir/data
sock=$dir/sock
log=$dir/log
pwfile=$dir/pwfile

# find_bindir prints the directory holding initdb and pg_ctl.
find_bindir() {
  local d
  if [ -n "${PG_BINDIR:-}" ]; then
    if [ -x "$PG_BINDIR/initdb" ] && [ -x "$PG_BINDIR/pg_ctl" ]; then
      echo "$PG_BINDIR"
      return 0
    fi
    return 1
  fi
  d=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -n "$d" ] && [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then
    echo "$d"
    return 0
  fi
  d=$(command -v initdb 2>/dev/null || true)
  if [ -n "$d" ]; then
    d=$(dirname -- "$d")
    if [ -x "$d/pg_ctl" ]; then
      echo "$d"
      return 0
    fi
  fi
  return 1
}

# as_owner runs a command as the server's user: postgres when we are root,
# ourselves otherwise. It runs from DIR, which that user can reach.
as_owner() {
  if [ -z "$owner" ]; then
    (cd -- "$dir" && "$@")
  elif command -v runuser >/dev/null 2>&1; then
    (cd -- "$dir" && runuser -u "$owner" -- "$@")
  else
    (cd -- "$dir" && setpriv --reuid="$owner" --regid="$(id -g "$owner")" --init-groups -- "$@")
  fi
}

# detached runs a command with no file descriptors but 0, 1 and 2: the
# server pg_ctl starts outlives us and would hold any other open, so a caller
# reading our stdout through a pipe ($(...)) would wait for it forever.
detached() {
  (
    for fd in /proc/"$BASHPID"/fd/*; do
      fd=${fd##*/}
      if [ "$fd" -gt 2 ] 2>/dev/null; then
        eval "exec $fd>&-" 2>/dev/null || true
      fi
    done
    "$@"
  )
}

# last_log prints the log's last lines as one line.
last_log() {
  local n=${1:-5}
  if [ -s "$log" ]; then
    tail -n "$n" -- "$log" | tr -s '\n\t' '  ' | sed 's/ *$//'
  else
    echo "(DIR/log is empty)"
  fi
}

# port_free says whether nothing listens on 127.0.0.1:$1 (or any address).
port_free() {
  local p=$1
  if command -v ss >/dev/null 2>&1; then
    [ -z "$(ss -Hltn "sport = :$p" 2>/dev/null)" ]
  else
    if (exec 4<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      return 1
    fi
  fi
}

random_port() {
  local r
  r=$(od -An -tu2 -N2 /dev/urandom | tr -d ' ')
  echo $((40000 + r % 20000))
}

stop_server() {
  local pid
  [ -f "$data/postmaster.pid" ] || return 0
  if bindir=$(find_bindir); then
    as_owner "$bindir/pg_ctl" stop -D "$data" -m fast -w -t 30 >>"$log" 2>&1 && return 0
  fi
  # No pg_ctl (or it failed): SIGINT is a fast shutdown.
  pid=$(head -n 1 -- "$data/postmaster.pid" 2>/dev/null || true)
  case $pid in '' | *[!0-9]*) return 0 ;; esac
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -INT "$pid" 2>/dev/null || true
    for _ in $(seq 1 60); do
      kill -0 "$pid" 2>/dev/null || return 0
      sleep 0.5
    done
    kill -KILL "$pid" 2>/dev/null || true
  fi
}

owner=
if [ "$(id -u)" -eq 0 ]; then
  id -u postgres >/dev/null 2>&1 ||
    die "running as root, and there is no postgres user to run the server as (apt-get install postgresql creates it)"
  owner=postgres
fi

case $cmd in
stop)
  if [ -d "$data" ] && [ -n "$owner" ]; then
    owner=$(stat -c %U -- "$data")
    [ "$owner" != root ] || owner=
  fi
  stop_server
  rm -rf -- "$data" "$sock" "$log" "$pwfile"
  exit 0
  ;;
start) ;;
*) usage ;;
esac

bindir=$(find_bindir) || {
  if [ -n "${PG_BINDIR:-}" ]; then
    die "no initdb and pg_ctl in PG_BINDIR=$PG_BINDIR; apt-get install postgresql, or point PG_BINDIR at PostgreSQL's bin dir"
  fi
  die "no PostgreSQL binaries (initdb, pg_ctl) under /usr/lib/postgresql/*/bin or on PATH; apt-get install postgresql"
}

[ ! -e "$data" ] || die "$data already exists; run: $0 stop $dir"
# A Unix socket path is at most 107 bytes: DIR/sock/.s.PGSQL.NNNNN.lock.
[ ${#sock} -le 80 ] || die "DIR is too long for a Unix socket path ($sock); use a shorter DIR, e.g. from mktemp -d"

mkdir -m 0700 -- "$data" "$sock"
: >"$log"
umask 077
od -An -tx1 -N16 /dev/urandom | tr -d ' \n' >"$pwfile"
password=$(cat -- "$pwfile")
[ ${#password} -eq 32 ] || die "could not read a random password from /dev/urandom"
trap 'rm -f -- "$pwfile"' EXIT
if [ -n "$owner" ]; then
  chown "$owner": -- "$data" "$sock" "$log" "$pwfile"
  # The server user must reach DIR/data: let it search DIR (not list it).
  chmod a+x -- "$dir"
  as_owner test -w "$data" ||
    die "the $owner user cannot reach $data (a parent of DIR is not searchable by it); use a DIR under /tmp, e.g. from mktemp -d"
fi

if ! as_owner "$bindir/initdb" -D "$data" --auth=scram-sha-256 --username=ipcbench_test \
  --pwfile="$pwfile" --encoding=UTF8 --locale=C --no-sync >>"$log" 2>&1; then
  die "initdb failed ($bindir/initdb; log $log): $(last_log 5)"
fi
rm -f -- "$pwfile"

# unix_socket_directories is a quoted string: double any single quote.
sockq=${sock//\'/\'\'}
cat >>"$data/postgresql.conf" <<EOF

# pg-test-server.sh: a private, throwaway test server.
listen_addresses = '127.0.0.1'
unix_socket_directories = '$sockq'
max_connections = 100
fsync = off
synchronous_commit = off
full_page_writes = off
EOF

# Pick a free port; if another server takes it between the check and the
# bind (a second test server starting at the same time), pick another.
started=
for _ in 1 2 3 4 5; do
  port=
  for _ in $(seq 1 20); do
    p=$(random_port)
    if port_free "$p"; then
      port=$p
      break
    fi
  done
  [ -n "$port" ] || die "no free TCP port found in 40000-59999 on 127.0.0.1"
  lines=$(wc -l <"$log")
  # pg_ctl's own messages and the server's (-l) both append to the log.
  # shellcheck disable=SC2094
  if detached as_owner "$bindir/pg_ctl" start -D "$data" -l "$log" -w -t 30 -o "-p $port" >>"$log" 2>&1; then
    started=1
    break
  fi
  stop_server
  if grep -qiE 'could not bind|address already in use|could not create any TCP/IP sockets' <<<"$(tail -n +"$((lines + 1))" -- "$log")"; then
    continue
  fi
  die "the server did not start within 30 s (log $log): $(last_log 5)"
done
[ -n "$started" ] || die "the server could not bind a port after 5 tries (log $log): $(last_log 3)"

# pg_ctl -w waited for the server to accept connections; check over TCP too.
if [ -x "$bindir/pg_isready" ]; then
  ok=
  for _ in $(seq 1 60); do
    if "$bindir/pg_isready" -q -h 127.0.0.1 -p "$port" -t 1; then
      ok=1
      break
    fi
    sleep 0.5
  done
  if [ -z "$ok" ]; then
    stop_server
    die "the server does not accept TCP connections on 127.0.0.1:$port within 30 s (log $log): $(last_log 3)"
  fi
fi

echo "postgres://ipcbench_test:$password@127.0.0.1:$port/postgres?sslmode=disable" >&3
