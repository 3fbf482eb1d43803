#!/usr/bin/env bash
# `make run`: the whole request path on this machine — Nginx on HTTPS_PORT (TLS, static site, /api/ proxy)
# in front of the Javalin app on 127.0.0.1:APP_PORT — until Ctrl-C, which stops everything cleanly.
# Settings (environment): HTTPS_PORT=8443 HTTP_PORT=8080 APP_PORT=8000 DATA_DIR=./data, plus any
# variable of scripts/render-nginx.sh (e.g. API_RATE_LIMIT). Ports below 1024 need root.
# Scaled out: REPLICAS=3 DB=postgres starts a local PostgreSQL (or uses DATABASE_URL) and three app servers on
# APP_PORT, APP_PORT+1, APP_PORT+2, all behind the one Nginx. REPLICAS above 1 needs DB=postgres.
# Supervised: an app server that exits (a crash, kill -9) is restarted by scripts/supervise.sh while Nginx and
# the other replicas keep serving. If Nginx itself exits, everything stops (see the end of this file).
# Left over from an unclean stop (kill -9 of this script): a stale Nginx of this RUN_DIR is stopped, an app
# of this DATA_DIR still on an app port is stopped, and scripts/postgres.sh deals with its server; one line each.
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
mkdir -p "$RUN_DIR" "$DATA_DIR"
if [ "$(id -u)" -eq 0 ] && ! runuser -u nobody -- test -x "$(cd "$RUN_DIR" && pwd)" 2>/dev/null; then
  RUN_DIR=/tmp/roundtrip-run
  echo "note: Nginx workers (user nobody) cannot enter this folder; using $RUN_DIR for the rendered config"
  mkdir -p "$RUN_DIR" && chmod 755 "$RUN_DIR"
fi
nginx_dir=$(cd "$RUN_DIR" && pwd)/nginx

# --- Servers left over from an unclean stop ---

# listeners PORT...: the pids of the processes listening on these TCP ports (ss names them as pid=N).
listeners() {
  local port
  for port in "$@"; do ss -Hltnp "sport = :$port" 2>/dev/null | grep -o 'pid=[0-9]*' | cut -d= -f2; done | sort -u
}

# ours_nginx PID: true if PID is an Nginx (master, or a worker whose master was killed) of this RUN_DIR,
# which it proves by holding a file of $nginx_dir/logs open; a recycled pid holds none.
ours_nginx() {
  [[ $1 =~ ^[0-9]+$ && $(readlink "/proc/$1/exe" 2>/dev/null) == */nginx ]] &&
    find "/proc/$1/fd" -lname "$nginx_dir/logs/*" 2>/dev/null | grep -q .
}

# stop_stale_nginx: QUIT (finish requests, then exit) every Nginx of this RUN_DIR that is still running:
# the pid file's master, or workers on our ports whose master was killed. A dead pid in the file is ignored.
stop_stale_nginx() {
  local pid stale=()
  for pid in $( (cat "$nginx_dir/nginx.pid" 2>/dev/null || true; listeners "$HTTPS_PORT" "$HTTP_PORT") | sort -u); do
    if ours_nginx "$pid"; then stale+=("$pid"); fi
  done
  [[ ${#stale[@]} -gt 0 ]] || return 0
  echo "run: an Nginx of $RUN_DIR is still running (pid ${stale[*]}); stopping it (QUIT)"
  kill -QUIT "${stale[@]}" 2>/dev/null || true
  for _ in $(seq 1 40); do kill -0 "${stale[@]}" 2>/dev/null || return 0; sleep 0.25; done
  kill -KILL "${stale[@]}" 2>/dev/null || true   # still there after 10 s: it had a request it could not finish
}

# free_app_port PORT: stops a Roundtrip app of our DATA_DIR still listening on PORT (TERM: its graceful stop);
# anything else on PORT ends the run with a line saying what to do.
free_app_port() {
  local port=$1 pid dir
  for pid in $(listeners "$port"); do
    dir=$(tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | sed -n 's/^DATA_DIR=//p')
    if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'roundtrip\.jar' &&
      [[ $(cd "/proc/$pid/cwd" 2>/dev/null && cd "${dir:-./data}" 2>/dev/null && pwd -P) == "$(cd "$DATA_DIR" && pwd -P)" ]]; then
      echo "run: an app server of $DATA_DIR from an earlier run still holds 127.0.0.1:$port (pid $pid); stopping it (TERM)"
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 80); do kill -0 "$pid" 2>/dev/null || continue 2; sleep 0.25; done
      echo "run: pid $pid did not stop within 20 s; stop it with: kill -9 $pid" >&2; exit 1
    fi
    echo "run: 127.0.0.1:$port is in use by pid $pid ($(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | cut -c1-80)); stop it (kill $pid) or set APP_PORT" >&2
    exit 1
  done
}

supervisors=() postgres_dir='' nginx_pid=''
# shellcheck disable=SC2317  # reached through the trap only
stop() {
  trap - INT TERM EXIT
  echo; echo "stopping…"
  # Nginx first (QUIT: finish requests in flight), then the apps (TERM: their graceful stop), then the database.
  if [ -n "$nginx_pid" ]; then
    # A QUIT that arrives before Nginx has set up its signal handlers is lost (a background job starts with QUIT
    # ignored); it writes its pid file right after, so wait for that (a stop just after the start).
    for _ in $(seq 1 40); do
      if [[ $(cat "$nginx_dir/nginx.pid" 2>/dev/null) == "$nginx_pid" ]]; then break; fi   # its handlers are set
      kill -0 "$nginx_pid" 2>/dev/null || break                                          # it has exited anyway
      sleep 0.25
    done
    kill -QUIT "$nginx_pid" 2>/dev/null || true
  fi
  for pid in "${supervisors[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ -z "$nginx_pid" ] || stop_stale_nginx   # workers left behind if Nginx's master was killed
  [ -z "$postgres_dir" ] || scripts/postgres.sh stop "$postgres_dir"
  echo "stopped."
}
trap 'stop; exit 0' INT TERM   # Ctrl-C or SIGTERM: a clean stop is a success
trap stop EXIT                 # any other end (an error above, Nginx exiting)

stop_stale_nginx
for ((i = 0; i < REPLICAS; i++)); do free_app_port $((APP_PORT + i)); done

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

# --- The app servers, each kept running by scripts/supervise.sh, then Nginx in front of all of them ---
# setpriv --pdeathsig: should this script be killed (even kill -9), the kernel stops its children too.
upstreams=()
for ((i = 0; i < REPLICAS; i++)); do
  # shellcheck disable=SC2086  # JAVA_OPTS holds several options: split on purpose
  APP_PORT=$((APP_PORT + i)) METRICS_PORT=$((METRICS_PORT + i)) setpriv --pdeathsig TERM -- \
    scripts/supervise.sh "app server $((i + 1))" "127.0.0.1:$((APP_PORT + i))" java ${JAVA_OPTS:-} -jar target/roundtrip.jar &
  supervisors+=($!)
  upstreams+=("127.0.0.1:$((APP_PORT + i))")
done

scripts/make-cert.sh "$RUN_DIR/certs" >/dev/null
APP_UPSTREAM="${upstreams[*]}" TLS_CERT=$RUN_DIR/certs/localhost.crt TLS_KEY=$RUN_DIR/certs/localhost.key \
  scripts/render-nginx.sh "$nginx_dir" >/dev/null
nginx_args=(-p "$nginx_dir/" -c "$nginx_dir/nginx.conf" -e stderr)
nginx -t -q "${nginx_args[@]}"
# setsid: a session of its own, so Ctrl-C reaches this script and not Nginx (INT is Nginx's fast stop): stop()
# QUITs it, which finishes the requests in flight. --pdeathsig QUIT: the same if this script dies, even by kill -9.
setsid setpriv --pdeathsig QUIT -- nginx "${nginx_args[@]}" &
nginx_pid=$!

ready="https://localhost:$HTTPS_PORT/api/ready"
# all_ready: every app server answers /api/ready itself, and so does the edge. Asking only the edge would stop
# at the first replica that is ready, and the next request could meet one still starting (503).
all_ready() {
  local upstream
  for upstream in "${upstreams[@]}"; do curl -fs -o /dev/null "http://$upstream/api/ready" || return 1; done
  curl -fsk -o /dev/null "$ready"
}
for _ in $(seq 1 120); do   # up to 60 s for the JVMs to start and migrate the database
  if all_ready; then break; fi
  for pid in "${supervisors[@]}"; do kill -0 "$pid" 2>/dev/null || { echo "an app server exited; see its messages above" >&2; exit 1; }; done
  kill -0 "$nginx_pid" 2>/dev/null || { echo "nginx exited; see $RUN_DIR/nginx/logs/error.log" >&2; exit 1; }
  sleep 0.5
done
all_ready || { echo "not ready after 60 s: $ready (or one of ${upstreams[*]})" >&2; exit 1; }

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
  Crash: an app server that exits is restarted (1 s, 2 s, 4 s … 30 s apart); meanwhile Nginx answers 502/503
  Stop: Ctrl-C

INFO
# Nothing here is meant to exit: a supervisor never gives up on an app that was ready once, and Nginx is not
# restarted: it does not crash on its own, so when it exits someone stopped it (or killed its master, which
# leaves workers serving the old config), and a restart would hide that. Either way the trap stops the rest.
status=0
wait -n -p ended "$nginx_pid" "${supervisors[@]}" 2>/dev/null || status=$?   # 2>: no "Killed" line from bash
how="exit code $status"
if ((status > 128)); then how="killed by SIG$(kill -l $((status - 128)))"; fi   # 128 + the signal's number
what="the supervisor of an app server (pid ${ended:-?})"
[[ ${ended:-} != "$nginx_pid" ]] || what="nginx" how="$how; see $RUN_DIR/nginx/logs/error.log"
echo "run: $what exited ($how); stopping everything — make run starts it all again" >&2
exit 1
