#!/usr/bin/env bash
# Starts the PostgreSQL container: on first start (an empty volume) create the cluster, the app's user and its
# database, then become the server (PID 1, so `docker stop` reaches it). Settings from the environment:
# POSTGRES_PASSWORD_FILE (where the app's password is kept: compose.postgres.yaml shares that volume with the
# app servers, read-only), POSTGRES_PASSWORD (a password of your own; without it one is generated at first
# start), PGPORT (5432), PGDATA.
set -euo pipefail

fail() { echo "postgres-entrypoint.sh: $*" >&2; exit 2; }
[[ -n ${POSTGRES_PASSWORD_FILE:-} ]] || fail "set POSTGRES_PASSWORD_FILE (compose.postgres.yaml does)"

# The password: POSTGRES_PASSWORD if set, else the one kept from an earlier start, else a new random one.
changed=''
if [[ -n ${POSTGRES_PASSWORD:-} ]]; then
    [[ -f $POSTGRES_PASSWORD_FILE && $(cat "$POSTGRES_PASSWORD_FILE") == "$POSTGRES_PASSWORD" ]] || changed=yes
    printf '%s' "$POSTGRES_PASSWORD" >"$POSTGRES_PASSWORD_FILE"
elif [[ ! -s $POSTGRES_PASSWORD_FILE ]]; then
    head -c 48 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 32 >"$POSTGRES_PASSWORD_FILE"
    changed=yes
fi
# 644 in a volume only the database and app containers mount: the app runs as another user than postgres.
chmod 644 "$POSTGRES_PASSWORD_FILE"
password=$(cat "$POSTGRES_PASSWORD_FILE")
password=${password//\'/\'\'} # a literal in SQL below: quotes doubled

if [[ ! -f $PGDATA/PG_VERSION ]]; then
    # Local connections by the postgres user only (peer); over the network, passwords (SCRAM).
    initdb -D "$PGDATA" -U postgres -E UTF8 --locale=C.UTF-8 --auth-local=peer --auth-host=scram-sha-256 >/dev/null
    printf 'host all all 0.0.0.0/0 scram-sha-256\nhost all all ::/0 scram-sha-256\n' >>"$PGDATA/pg_hba.conf"
    # Single-user mode: the user and the database exist before the server accepts its first connection.
    postgres --single -D "$PGDATA" postgres >/dev/null <<SQL
CREATE ROLE roundtrip LOGIN PASSWORD '$password';
CREATE DATABASE roundtrip OWNER roundtrip;
SQL
    echo "postgres-entrypoint.sh: created the cluster, the role roundtrip and its database (password in $POSTGRES_PASSWORD_FILE)"
elif [[ -n $changed ]]; then
    # A cluster kept from before (e.g. made with the old fixed password): give the role the current password.
    postgres --single -D "$PGDATA" postgres >/dev/null <<SQL
ALTER ROLE roundtrip PASSWORD '$password';
SQL
    echo "postgres-entrypoint.sh: the role roundtrip has a new password (in $POSTGRES_PASSWORD_FILE)"
fi

# listen_addresses='*': the app servers connect over the compose network (or the host's, in compose-test).
exec postgres -D "$PGDATA" -c listen_addresses='*'
