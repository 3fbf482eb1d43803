#!/usr/bin/env bash
# A local PostgreSQL server for `make run DB=postgres` and the benchmark: a cluster of its own in DIR, on
# 127.0.0.1:PORT, made from Debian's postgresql package. Nothing is written to /etc/postgresql or /var/lib.
#   scripts/postgres.sh start DIR PORT   create the cluster if DIR has none, start it, create database roundtrip;
#                                        prints the DATABASE_URL to use
#   scripts/postgres.sh stop DIR         stop it (a fast shutdown: sessions end, every commit is kept)
# As root the cluster belongs to the postgres user (initdb refuses to run as root).
set -euo pipefail

fail() { echo "postgres.sh: $*" >&2; exit 1; }

[[ $# -ge 2 ]] || fail "usage: postgres.sh start DIR PORT | stop DIR"
action=$1 dir=$2 port=${3:-}
# Debian installs each major version under /usr/lib/postgresql/N/bin; take the newest.
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[[ -x $bin/initdb ]] || fail "no PostgreSQL server in /usr/lib/postgresql: sudo apt-get install -y postgresql"

as_owner() {
    if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case $action in
start)
    [[ $port =~ ^[0-9]+$ ]] || fail "PORT must be a number, got '$port'"
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    if [[ $(id -u) -eq 0 ]]; then
        chown postgres:postgres "$dir"
        runuser -u postgres -- test -x "$dir" || fail "the postgres user cannot enter $dir; pick a DIR under /tmp"
    fi
    if [[ ! -f $dir/data/PG_VERSION ]]; then
        # trust: only this machine's loopback can connect (listen_addresses below), and it is a local cluster.
        as_owner "$bin/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
            { cat "$dir/initdb.log" >&2; fail "initdb failed"; }
    fi
    # -k: the Unix socket goes into DIR too (the default, /var/run/postgresql, may not exist or be writable).
    as_owner "$bin/pg_ctl" -D "$dir/data" -w -l "$dir/server.log" \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1" start >/dev/null ||
        { tail -n 20 "$dir/server.log" >&2; fail "the server did not start (log: $dir/server.log)"; }
    if [[ -z $(as_owner "$bin/psql" -h "$dir" -p "$port" -U postgres -Atc "SELECT 1 FROM pg_database WHERE datname = 'roundtrip'" postgres) ]]; then
        as_owner "$bin/psql" -h "$dir" -p "$port" -U postgres -qc "CREATE DATABASE roundtrip" postgres
    fi
    echo "jdbc:postgresql://127.0.0.1:$port/roundtrip?user=postgres"
    ;;
stop)
    [[ -f $dir/data/postmaster.pid ]] || exit 0
    as_owner "$bin/pg_ctl" -D "$dir/data" -w -m fast stop >/dev/null
    ;;
*)
    fail "usage: postgres.sh start DIR PORT | stop DIR"
    ;;
esac
