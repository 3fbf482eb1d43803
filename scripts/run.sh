#!/usr/bin/env bash
# `make run`: the whole request path on this machine — Nginx on HTTPS_PORT (TLS, static site, /api/ proxy)
# in front of the Javalin app on 127.0.0.1:APP_PORT — until Ctrl-C, which stops everything cleanly.
# Settings (environment): HTTPS_PORT=8443 HTTP_PORT=8080 APP_PORT=8000 DATA_DIR=./data, plus any
# variable of scripts/render-nginx.sh (e.g. API_RATE_LIMIT). Ports below 1024 need root.
# Scaled out: REPLICAS=3 DB=postgres starts a local PostgreSQL (or uses DATABASE_URL) and three app servers on
# APP_PORT, APP_PORT+1, APP_PORT+2, all behind the one Nginx. REPLICAS above 1 needs DB=postgres.
set -euo pipefail
cd "$(dirname "$0")/.."

export HTTPS_PORT=${HTTPS_PORT:-8443} HTTP_PORT=${HTTP_PORT:-8080} APP_PORT=${APP_PORT:-8000}
export DATA_DIR=${DATA_DIR:-./data} APP_HOST=127.0.0.1   # the app is reachable only through Nginx
RUN_DIR=${RUN_DIR:-.run}                                    # certificate, rendered config, logs, pid
REPLICAS=${REPLICAS:-1} DB=${DB:-sqlite}
METRICS_PORT=${METRICS_PORT:-9464}
[[ $REPLICAS =~ ^[1-9][0-9]?$ ]] || { echo "REPLICAS must be a number from 1 to 99, got '$REPLICAS'" >&2; exit 2; }
[[ $DB == sqlite || $DB == postgres ]] || { echo "DB must be sqlite or postgres, got '$DB'" >&2; exit 2; }
[[ $REPLICAS == 1 || $DB == postgres ]] ||
  { echo "REPLICAS=$REPLICAS needs DB=postgres: app servers can share a PostgreSQL server, not a SQLite file" >&2; exit 2; }

# Run as root, Nginx's workers are `nobody` and PostgreSQL runs as `postgres`: both must be able to enter
# their folders, so every directory above RUN_DIR must be world-searchable. If it is not, use /tmp.
mkdir -p "$RUN_DIR"
if [ "$(id -u)" -eq 0 ] && ! runuser -u nobody -- test -x "$(cd "$RUN_DIR" && pwd)" 2>/dev/null; then
  RUN_DIR=/tmp/roundtrip-run
  echo "note: Nginx workers (user nobody) cannot enter this folder; using $RUN_DIR for the rendered config"
  mkdir -p "$RUN_DIR" && chmod 755 "$RUN_DIR"
fi

pids=() postgres_dir=''
stop() {
  trap - INT TERM EXIT
  echo; echo "stopping…"
  # Nginx first (QUIT: finish requests in flight), then the apps (TERM: their graceful stop), then the database.
  [ -n "${nginx_pid:-}" ] && kill -QUIT "$nginx_pid" 2>/dev/null
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  wait 2>/dev/null || true
  [ -z "$postgres_dir" ] || scripts/postgres.sh stop "$postgres_dir"
  echo "stopped."
}
trap stop INT TERM EXIT

# --- The database: SQLite in DATA_DIR, or PostgreSQL (DATABASE_URL, or a local server kept in RUN_DIR) ---
store="SQLite in $DATA_DIR/roundtrip.db"
if [[ $DB == postgres ]]; then
  if [[ -z ${DATABASE_URL:-} ]]; then
    postgres_dir=$RUN_DIR/postgres      # its data stays there between runs, as DATA_DIR's does for SQLite
    DATABASE_URL=$(scripts/postgres.sh start "$postgres_dir" "${PG_PORT:-5433}")
    # The cluster's generated password (scram-sha-256), for the apps; never in the URL, which is shown.
    DATABASE_PASSWORD=$(cat "$postgres_dir/password")
    export DATABASE_PASSWORD
  fi
  export DATABASE_URL
  store="PostgreSQL at ${DATABASE_URL%%\?*}"
fi

# --- The app servers, then Nginx in front of all of them ---
upstreams=()
for ((i = 0; i < REPLICAS; i++)); do
  APP_PORT=$((APP_PORT + i)) METRICS_PORT=$((METRICS_PORT + i)) java ${JAVA_OPTS:-} -jar target/roundtrip.jar &
  pids+=($!)
  upstreams+=("127.0.0.1:$((APP_PORT + i))")
done

scripts/make-cert.sh "$RUN_DIR/certs" >/dev/null
APP_UPSTREAM="${upstreams[*]}" TLS_CERT=$RUN_DIR/certs/localhost.crt TLS_KEY=$RUN_DIR/certs/localhost.key \
  scripts/render-nginx.sh "$RUN_DIR/nginx" >/dev/null
nginx_args=(-p "$(cd "$RUN_DIR/nginx" && pwd)/" -c "$(cd "$RUN_DIR/nginx" && pwd)/nginx.conf" -e stderr)
nginx -t -q "${nginx_args[@]}"
nginx "${nginx_args[@]}" &
nginx_pid=$!

ready="https://localhost:$HTTPS_PORT/api/ready"
for _ in $(seq 1 120); do   # up to 60 s for the JVMs to start and migrate the database
  if curl -fsk -o /dev/null "$ready"; then break; fi
  for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null || { echo "an app server exited; see its messages above" >&2; exit 1; }; done
  kill -0 "$nginx_pid" 2>/dev/null || { echo "nginx exited; see $RUN_DIR/nginx/logs/error.log" >&2; exit 1; }
  sleep 0.5
done
curl -fsk -o /dev/null "$ready" || { echo "not ready after 60 s: $ready" >&2; exit 1; }

cat <<INFO

  Roundtrip is running: $REPLICAS app server(s) on ${upstreams[*]}, data in $store.
    https://localhost:$HTTPS_PORT/              the static page, served by Nginx
    https://localhost:$HTTPS_PORT/journey.html  one request hop by hop (which app server answered, too)
    https://localhost:$HTTPS_PORT/docs/         the API, browsable
    https://localhost:$HTTPS_PORT/api/notes     the API, proxied to the app server(s)
    http://localhost:$HTTP_PORT/                redirects to HTTPS

  Try:  curl --cacert $RUN_DIR/certs/localhost.crt https://localhost:$HTTPS_PORT/api/notes
        (or curl -k to skip verifying the self-signed certificate)
  Logs: the apps' below; Nginx's JSON access log in $RUN_DIR/nginx/logs/access.log
  Stop: Ctrl-C

INFO
wait -n "${pids[@]}" "$nginx_pid" || true   # if any one exits, stop the others
