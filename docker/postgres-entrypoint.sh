#!/usr/bin/env bash
# Starts the PostgreSQL container: on first start (an empty volume) create the cluster, the app's user and its
# database, then become the server (PID 1, so `docker stop` reaches it). Settings from the environment:
# POSTGRES_PASSWORD (required: the app's password), PGPORT (5432), PGDATA.
set -euo pipefail

[[ -n ${POSTGRES_PASSWORD:-} ]] || { echo "postgres-entrypoint.sh: set POSTGRES_PASSWORD (compose.postgres.yaml does)" >&2; exit 2; }

if [[ ! -f $PGDATA/PG_VERSION ]]; then
    # Local connections by the postgres user only (peer); over the network, passwords (SCRAM).
    initdb -D "$PGDATA" -U postgres -E UTF8 --locale=C.UTF-8 --auth-local=peer --auth-host=scram-sha-256 >/dev/null
    printf 'host all all 0.0.0.0/0 scram-sha-256\nhost all all ::/0 scram-sha-256\n' >>"$PGDATA/pg_hba.conf"
    # Single-user mode: the user and the database exist before the server accepts its first connection.
    # The password is passed as a literal; quotes in it are doubled for SQL.
    password=${POSTGRES_PASSWORD//\'/\'\'}
    postgres --single -D "$PGDATA" postgres >/dev/null <<SQL
CREATE ROLE roundtrip LOGIN PASSWORD '$password';
CREATE DATABASE roundtrip OWNER roundtrip;
SQL
    echo "postgres-entrypoint.sh: created the cluster, the role roundtrip and its database"
fi

# listen_addresses='*': the app servers connect over the compose network (or the host's, in compose-test).
exec postgres -D "$PGDATA" -c listen_addresses='*'
