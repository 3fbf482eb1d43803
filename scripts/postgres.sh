#!/usr/bin/env bash
# A local PostgreSQL server for `make run DB=postgres` and the benchmark: a cluster of its own in DIR, on
# 127.0.0.1:PORT, made from Debian's postgresql package. Nothing is written to /etc/postgresql or /var/lib.
#   scripts/postgres.sh start DIR PORT   create the cluster if DIR has none, start it, create database roundtrip;
#                                        prints the DATABASE_URL to use (user postgres, no password in it)
#   scripts/postgres.sh stop DIR         stop it (a fast shutdown: sessions end, every commit is kept)
# Every connection, even over the Unix socket, needs the password (scram-sha-256): the superuser is not open
# to every local user. It is made at the first start and kept in DIR/password (mode 600); give it to the app
# as DATABASE_PASSWORD and to psql as PGPASSWORD, never in the URL.
# As root the cluster belongs to the postgres user (initdb refuses to run as root).
# After an unclean stop (kill -9 of make run), start finds DIR/data/postmaster.pid: if its pid is this cluster's
# postmaster, still running, it is stopped (fast: every commit kept) and started again on PORT; if the pid is
# dead or now another process's, the stale file is removed. One line says which.
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

# A random password in FILE, readable by its owner only (and by the postgres user, who runs initdb, as root).
new_password() {
    (umask 077 && head -c 48 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 32 >"$1")
    if [[ $(id -u) -eq 0 ]]; then chown postgres:postgres "$1"; fi
}

# A cluster made by an older postgres.sh lets any local user in as superuser (trust). Keep its data: set a
# password in single-user mode (no server is listening meanwhile) and require it in pg_hba.conf.
upgrade_trust_cluster() {
    local dir=$1 password_file=$2
    [[ ! -f $dir/data/postmaster.pid ]] || fail "the cluster in $dir is running with trust authentication; stop it first: scripts/postgres.sh stop $dir"
    echo "postgres.sh: the cluster in $dir has no password file (an older postgres.sh made it with trust: any local user could connect as superuser); switching it to scram-sha-256 with a new password in $password_file, data kept" >&2
    new_password "$password_file"
    printf "SET password_encryption = 'scram-sha-256';\nALTER ROLE postgres PASSWORD '%s';\n" "$(cat "$password_file")" |
        as_owner "$bin/postgres" --single -D "$dir/data" postgres >"$dir/upgrade.log" 2>&1 ||
        { cat "$dir/upgrade.log" >&2; rm -f "$password_file"; fail "could not set the password in $dir"; }
    printf 'local all all scram-sha-256\nhost all all 127.0.0.1/32 scram-sha-256\nhost all all ::1/128 scram-sha-256\n' |
        as_owner tee "$dir/data/pg_hba.conf" >/dev/null
}

# is_postmaster_of PID DATA: true if PID is a running PostgreSQL server on DATA (a postmaster works in its
# data directory, so its cwd proves it; a pid recycled by another process has another cwd or program).
is_postmaster_of() {
    [[ $1 =~ ^[0-9]+$ && $(readlink "/proc/$1/exe" 2>/dev/null) == */postgres &&
        $(readlink "/proc/$1/cwd" 2>/dev/null) == "$(cd "$2" && pwd -P)" ]]
}

# clear_stale_server DIR: deal with DIR/data/postmaster.pid left by an unclean stop (see the top of this file).
clear_stale_server() {
    local data=$1/data pid port
    [[ -f $data/postmaster.pid ]] || return 0
    pid=$(sed -n 1p "$data/postmaster.pid") port=$(sed -n 4p "$data/postmaster.pid")
    if is_postmaster_of "$pid" "$data"; then
        echo "postgres.sh: a PostgreSQL server from an earlier run is still running in $1 (pid $pid, port $port); stopping it (fast shutdown, every commit kept)" >&2
        as_owner "$bin/pg_ctl" -D "$data" -w -m fast stop >/dev/null
    else
        # Dead, or alive as another program (a recycled pid): stale either way, and PostgreSQL would refuse to
        # start on a live one ("lock file already exists"). pg_ctl status cannot tell: as postgres it may not
        # signal another user's process.
        local why="no longer running"
        [[ ! -e /proc/$pid ]] || why="now the pid of another program ($(cat "/proc/$pid/comm" 2>/dev/null))"
        echo "postgres.sh: $data/postmaster.pid names pid $pid, $why: a stale pid file from an unclean stop; removing it" >&2
        rm -f "$data/postmaster.pid"
    fi
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
    password_file=$dir/password
    if [[ ! -f $dir/data/PG_VERSION ]]; then
        new_password "$password_file"
        as_owner "$bin/initdb" -D "$dir/data" --auth=scram-sha-256 --pwfile="$password_file" -U postgres -E UTF8 \
            --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; fail "initdb failed"; }
    elif [[ ! -f $password_file ]]; then
        upgrade_trust_cluster "$dir" "$password_file"
    fi
    clear_stale_server "$dir"
    export PGPASSWORD
    PGPASSWORD=$(cat "$password_file")
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
    is_postmaster_of "$(sed -n 1p "$dir/data/postmaster.pid")" "$dir/data" || { clear_stale_server "$dir"; exit 0; }
    as_owner "$bin/pg_ctl" -D "$dir/data" -w -m fast stop >/dev/null
    ;;
*)
    fail "usage: postgres.sh start DIR PORT | stop DIR"
    ;;
esac
