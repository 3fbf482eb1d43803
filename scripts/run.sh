#!/usr/bin/env bash
# `make run`: the whole request path on this machine — Nginx on HTTPS_PORT (TLS, static site, /api/ proxy)
# in front of the Javalin app on 127.0.0.1:APP_PORT — until Ctrl-C, which stops both cleanly.
# Settings (environment): HTTPS_PORT=8443 HTTP_PORT=8080 APP_PORT=8000 DATA_DIR=./data, plus any
# variable of scripts/render-nginx.sh (e.g. API_RATE_LIMIT). Ports below 1024 need root.
set -euo pipefail
cd "$(dirname "$0")/.."

export HTTPS_PORT=${HTTPS_PORT:-8443} HTTP_PORT=${HTTP_PORT:-8080} APP_PORT=${APP_PORT:-8000}
export DATA_DIR=${DATA_DIR:-./data} APP_HOST=127.0.0.1   # the app is reachable only through Nginx
RUN_DIR=${RUN_DIR:-.run}                                    # certificate, rendered config, logs, pid

# Run as root, Nginx's workers are `nobody`: they must be able to read the static files, so every
# directory above RUN_DIR must be world-searchable. If it is not (e.g. a clone under /root), use /tmp.
mkdir -p "$RUN_DIR"
if [ "$(id -u)" -eq 0 ] && ! runuser -u nobody -- test -x "$(cd "$RUN_DIR" && pwd)" 2>/dev/null; then
  RUN_DIR=/tmp/roundtrip-run
  echo "note: Nginx workers (user nobody) cannot enter this folder; using $RUN_DIR for the rendered config"
  mkdir -p "$RUN_DIR" && chmod 755 "$RUN_DIR"
fi

scripts/make-cert.sh "$RUN_DIR/certs" >/dev/null
APP_UPSTREAM=127.0.0.1:$APP_PORT TLS_CERT=$RUN_DIR/certs/localhost.crt TLS_KEY=$RUN_DIR/certs/localhost.key \
  scripts/render-nginx.sh "$RUN_DIR/nginx" >/dev/null
nginx_args=(-p "$(cd "$RUN_DIR/nginx" && pwd)/" -c "$(cd "$RUN_DIR/nginx" && pwd)/nginx.conf" -e stderr)
nginx -t -q "${nginx_args[@]}"

app_pid='' nginx_pid=''
stop() {
  trap - INT TERM EXIT
  echo; echo "stopping…"
  [ -n "$nginx_pid" ] && kill -QUIT "$nginx_pid" 2>/dev/null   # QUIT: finish requests in flight, then exit
  [ -n "$app_pid" ] && kill -TERM "$app_pid" 2>/dev/null       # TERM: the app's graceful shutdown (≤ 10 s)
  wait 2>/dev/null || true
  echo "stopped."
}
trap stop INT TERM EXIT

java ${JAVA_OPTS:-} -jar target/roundtrip.jar &
app_pid=$!
nginx "${nginx_args[@]}" &
nginx_pid=$!

ready="https://localhost:$HTTPS_PORT/api/ready"
for _ in $(seq 1 120); do   # up to 60 s for the JVM to start and migrate the database
  if curl -fsk -o /dev/null "$ready"; then break; fi
  kill -0 "$app_pid" 2>/dev/null || { echo "the app exited; see its messages above" >&2; exit 1; }
  kill -0 "$nginx_pid" 2>/dev/null || { echo "nginx exited; see $RUN_DIR/nginx/logs/error.log" >&2; exit 1; }
  sleep 0.5
done
curl -fsk -o /dev/null "$ready" || { echo "not ready after 60 s: $ready" >&2; exit 1; }

cat <<INFO

  Roundtrip is running.
    https://localhost:$HTTPS_PORT/          the static page, served by Nginx
    https://localhost:$HTTPS_PORT/api/notes the API, proxied to the app on 127.0.0.1:$APP_PORT
    http://localhost:$HTTP_PORT/            redirects to HTTPS

  Try:  curl --cacert $RUN_DIR/certs/localhost.crt https://localhost:$HTTPS_PORT/api/notes
        (or curl -k to skip verifying the self-signed certificate)
  Logs: app below; Nginx's JSON access log in $RUN_DIR/nginx/logs/access.log
  Stop: Ctrl-C

INFO
wait -n "$app_pid" "$nginx_pid" || true   # if either one exits, stop the other
