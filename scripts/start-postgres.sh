#!/usr/bin/env bash
# Start a throwaway PostgreSQL cluster (Debian's postgresql package) for the history tests.
#
#   eval "$(scripts/start-postgres.sh)"     # exports MENTORASSESS_TEST_PG_URL and MENTORASSESS_TEST_PG_DIR
#   scripts/start-postgres.sh --stop DIR    # stop it and remove DIR
#
# The cluster lives in a new folder under /tmp, listens on 127.0.0.1 on a free port with trust
# authentication (tests only), and runs as the 'postgres' user when called as root.
set -euo pipefail
BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$BIN" ] || { echo "start-postgres: no /usr/lib/postgresql/*/bin (apt-get install postgresql)" >&2; exit 1; }
as_owner() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$1"; else sh -c "$1"; fi; }
if [ "${1:-}" = "--stop" ]; then
  dir=$2
  as_owner "$BIN/pg_ctl -D $dir/data -m immediate stop >/dev/null 2>&1" || true
  rm -rf "$dir"
  exit 0
fi
dir=$(mktemp -d /tmp/mentorassess-pg.XXXXXX)
chmod 755 "$dir"
[ "$(id -u)" = 0 ] && chown postgres "$dir"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
as_owner "$BIN/initdb -D $dir/data -A trust -U postgres -E UTF8 >$dir/initdb.log 2>&1" \
  || { cat "$dir/initdb.log" >&2; exit 1; }
as_owner "$BIN/pg_ctl -D $dir/data -l $dir/server.log -w -t 60 -o \"-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50\" start >/dev/null" \
  || { cat "$dir/server.log" >&2; exit 1; }
echo "export MENTORASSESS_TEST_PG_URL=postgresql://postgres@127.0.0.1:$port/postgres"
echo "export MENTORASSESS_TEST_PG_DIR=$dir"
