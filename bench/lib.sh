# Functions for bench/run.sh (sourced, not run): start and stop the stack, run one load, warm up, measure
# one row. They use the settings run.sh sets: WORK, APP_PORT, HTTPS_PORT, JAVA_OPTS, CONNECTIONS, THREADS,
# ROW_SECONDS, ROUND_SECONDS, ROW_WARMUP_MAX, ROWS_FILE, EDGE, DB_PID (PostgreSQL's server, once it runs), and
# TOKEN (a session every request of the row carries, or empty) and SHED (a status counted apart, or empty).
# shellcheck shell=bash

PY=/usr/bin/python3              # Debian's python: the python3 first on PATH is a separate install
NGINX=$(command -v nginx || echo /usr/sbin/nginx)   # /usr/sbin is not on every user's PATH
APP_PIDS=() NGINX_PID='' RSS_PID='' DB_PID=''
PEAK_HWM_KB=0                    # the highest VmHWM of every JVM this run started
FAILED_ROWS=0                    # rows with a non-2xx answer or a socket error
declare -A R                     # the fields of the last "bench ..." line read by parse_summary

fail() { echo "bench: $*" >&2; exit 1; }

# app_exited: the log's last lines go with the failure, since the work dir is removed on exit.
app_exited() {
    tail -n 40 "$WORK/app.log" | sed 's/^/  app.log: /' >&2
    fail "an app exited (the last lines of its log are above)"
}

# wait_for WHAT COMMAND...: polls COMMAND (up to 60 s) instead of sleeping for a guessed time.
wait_for() {
    local what=$1; shift
    for _ in $(seq 1 300); do
        if "$@" 2>/dev/null; then return 0; fi
        for pid in "${APP_PIDS[@]}"; do kill -0 "$pid" 2>/dev/null || app_exited; done
        [[ -z $NGINX_PID ]] || kill -0 "$NGINX_PID" 2>/dev/null || fail "nginx exited; see $WORK/nginx.out"
        sleep 0.2
    done
    fail "$what not ready after 60 s"
}

# start_app DATA_DIR SYNCHRONOUS: the real jar on APP_PORT (metrics on any free port), its log in app.log.
start_app() {
    # shellcheck disable=SC2086  # JAVA_OPTS is a list of JVM options, split on purpose
    APP_HOST=127.0.0.1 APP_PORT=$APP_PORT METRICS_PORT=0 DATA_DIR=$1 SQLITE_SYNCHRONOUS=$2 \
        java $JAVA_OPTS -jar target/roundtrip.jar >>"$WORK/app.log" 2>&1 &
    APP_PIDS=($!)
    wait_for "the app (SQLITE_SYNCHRONOUS=$2)" curl -fs -o /dev/null "http://127.0.0.1:$APP_PORT/api/ready"
    sample_rss "${APP_PIDS[0]}" &
    RSS_PID=$!
}

# start_replicas DATABASE_URL PORT...: one app server per port, all on the same PostgreSQL database. The first
# migrates the empty database and is ready before the others start, so they find the migrations done.
start_replicas() {
    local url=$1 port
    shift
    start_replica "$url" "$1"
    wait_for "the app on :$1 (PostgreSQL)" curl -fs -o /dev/null "http://127.0.0.1:$1/api/ready"
    shift
    for port in "$@"; do start_replica "$url" "$port"; done
    for port in "$@"; do
        wait_for "the app on :$port (PostgreSQL)" curl -fs -o /dev/null "http://127.0.0.1:$port/api/ready"
    done
}

# start_replica DATABASE_URL PORT: one app server in the background, its pid added to APP_PIDS.
start_replica() {
    # shellcheck disable=SC2086  # JAVA_OPTS is a list of JVM options, split on purpose
    APP_HOST=127.0.0.1 APP_PORT=$2 METRICS_PORT=0 DATA_DIR=$WORK/unused DATABASE_URL=$1 \
        java $JAVA_OPTS -jar target/roundtrip.jar >>"$WORK/app.log" 2>&1 &
    APP_PIDS+=($!)
}

# sample_rss PID: VmRSS every 0.5 s, the highest kept in WORK/rss.max (VmHWM at stop is the exact peak;
# the samples show the limit held during the run, not only at its end).
sample_rss() {
    local kb max=0
    [[ -s $WORK/rss.max ]] && max=$(<"$WORK/rss.max")
    while kb=$(awk '/^VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null) && [[ -n $kb ]]; do
        if (( kb > max )); then max=$kb; echo "$max" >"$WORK/rss.max"; fi
        sleep 0.5
    done
}

# note_peak_rss: folds each JVM's peak RSS so far (VmHWM) into PEAK_HWM_KB.
note_peak_rss() {
    local hwm pid
    for pid in "${APP_PIDS[@]}"; do
        hwm=$($PY bench/stats.py mem "$pid" 2>/dev/null | cut -d' ' -f1) || hwm=0
        if (( ${hwm:-0} > PEAK_HWM_KB )); then PEAK_HWM_KB=$hwm; fi
    done
}

# reset_peak_rss: notes the peak so far, then starts the first JVM's VmHWM again from its current RSS
# (clear_refs 5, Linux ≥ 4.0), so the next VmHWM read is the peak of what ran in between. Fails if not allowed.
reset_peak_rss() {
    note_peak_rss
    echo 5 2>/dev/null >"/proc/${APP_PIDS[0]}/clear_refs"
}

# stop_app: records each JVM's peak RSS, then SIGTERM (the app's graceful stop) and waits for them.
stop_app() {
    local pid
    note_peak_rss
    for pid in "${APP_PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${APP_PIDS[@]}"; do
        wait "$pid" 2>/dev/null || true          # exit status 143 (SIGTERM) is the normal end
    done
    if [[ -n $RSS_PID ]]; then
        kill "$RSS_PID" 2>/dev/null || true
        wait "$RSS_PID" 2>/dev/null || true
    fi
    APP_PIDS=() RSS_PID=''
}

start_nginx() {
    local prefix=$WORK/nginx/
    "$NGINX" -t -q -p "$prefix" -c "${prefix}nginx.conf" -e stderr
    "$NGINX" -p "$prefix" -c "${prefix}nginx.conf" -e stderr >>"$WORK/nginx.out" 2>&1 &
    NGINX_PID=$!
    wait_for "Nginx" curl -fsk -o /dev/null "https://127.0.0.1:$HTTPS_PORT/bench/static"
}

# reload_nginx: apply a newly rendered config (HUP) and wait until every old worker has exited (a worker
# that exits during a row would take its CPU ticks out of the row's sum).
reload_nginx() {
    local old
    old=$(workers)
    "$NGINX" -t -q -p "$WORK/nginx/" -c "$WORK/nginx/nginx.conf" -e stderr
    kill -HUP "$NGINX_PID"
    wait_for "Nginx's old workers to exit" workers_replaced "$old"
}

workers() { ps -o pid= --ppid "$NGINX_PID" | tr -s ' \n' ' '; }

# workers_replaced OLD_PIDS: Nginx runs workers again, and none of them is one of OLD_PIDS.
workers_replaced() {
    local now pid
    now=$(workers)
    [[ -n ${now// } ]] || return 1
    for pid in $1; do [[ " $now " != *" $pid "* ]] || return 1; done
}

stop_nginx() {
    [[ -n $NGINX_PID ]] || return 0
    kill -QUIT "$NGINX_PID" 2>/dev/null || true   # QUIT: finish requests in flight, then exit
    wait "$NGINX_PID" 2>/dev/null || true
    NGINX_PID=''
}

# parse_summary FILE: the "bench k=v ..." line into R[k].
parse_summary() {
    local kv
    R=()
    # shellcheck disable=SC2013  # one line of space-separated k=v words: split on words on purpose
    for kv in $(sed -n 's/^bench //p' "$1"); do R[${kv%%=*}]=${kv#*=}; done
    [[ -n ${R[requests]:-} ]] || fail "no summary in $1: $(tail -n 5 "$1.raw" 2>/dev/null)"
    R[shed]=${R[shed]:-0}                         # h2load's line has none
    R[rps]=$(( R[duration_us] > 0 ? (R[requests] - R[shed]) * 1000000 / R[duration_us] : 0 ))
}

# run_load TOOL BASE_URL URIS BODIES SECONDS OUT: one fixed-time run at CONNECTIONS connections.
# OUT gets the "bench ..." line plus client_ms=, the load generator's own CPU (it shares the cores).
run_load() {
    local tool=$1 base=$2 uris=$3 bodies=$4 seconds=$5 out=$6 user sys TIMEFORMAT='%3U %3S'
    if [[ $tool == wrk ]]; then
        { time BENCH_URIS=$uris BENCH_BODIES=$bodies TOKEN=${TOKEN:-} BENCH_SHED=${SHED:-} \
            wrk -t"$THREADS" -c"$CONNECTIONS" -d"${seconds}s" \
            --timeout 5s -s bench/wrk.lua "$base" >"$out.raw" 2>&1; } 2>"$out.time" || true
        grep '^bench ' "$out.raw" >"$out" || fail "wrk printed no summary: $(tail -n 5 "$out.raw")"
    else
        # h2load wants whole URLs; -m1: one request in flight per connection, like wrk.
        sed "s|^|$base|" "$uris" >"$out.uris"
        { time h2load -t"$THREADS" -c"$CONNECTIONS" -m1 -D "$seconds" --log-file "$out.log" \
            -i "$out.uris" >"$out.raw" 2>&1; } 2>"$out.time" || true
        grep -q 'Application protocol: h2' "$out.raw" || fail "h2load did not speak HTTP/2: $(tail -n 5 "$out.raw")"
        $PY bench/stats.py h2load "$out.raw" "$out.log" >"$out"
        rm -f "$out.log"                          # ~1 line per request; the summary is all we keep
    fi
    read -r user sys <"$out.time"
    sed -i "s/\$/ client_ms=$($PY -c "print(round(($user + $sys) * 1000))")/" "$out"
}

# warm_up TOOL BASE URIS BODIES ROUND MAX [MIN]: rounds of ROUND s until two in a row agree within 5 % in req/s
# (the JIT takes 40-90 s on 2 busy cores, so no fixed time is right), giving up after MAX s. Agreement before
# MIN s does not count: between the JIT's tiers two rounds can agree on a plateau (seen: 3 019, 3 058, then
# 12 900 req/s; and 2 978, 3 474, 3 589 at 35 s from a JVM that reached 10 000). Sets WARM_SECONDS, WARM_CONVERGED (yes/no) and WARM_TRACE (req/s of each round).
warm_up() {
    local tool=$1 base=$2 uris=$3 bodies=$4 round=$5 max=$6 min=${7:-0} prev=0 rps diff
    WARM_SECONDS=0 WARM_CONVERGED=no WARM_TRACE=''
    while (( WARM_SECONDS < max )); do
        run_load "$tool" "$base" "$uris" "$bodies" "$round" "$WORK/warm"
        parse_summary "$WORK/warm"
        rps=${R[rps]} WARM_SECONDS=$(( WARM_SECONDS + round )) WARM_TRACE+="${WARM_TRACE:+,}$rps"
        diff=$(( rps > prev ? rps - prev : prev - rps ))
        if (( WARM_SECONDS >= min && prev > 0 && 100 * diff <= 5 * (rps > prev ? rps : prev) )); then
            WARM_CONVERGED=yes
            break
        fi
        prev=$rps
    done
}

# prime BASE URIS BODIES: one request of the row's kind, alone, before any load: the first one loads
# classes (a cold JVM on a busy machine was seen to answer no POST within a 1-s smoke row without it).
prime() {
    local url auth=()
    url=$1$(head -n 1 "$2")
    [[ -z ${TOKEN:-} ]] || auth=(-H "Authorization: Bearer $TOKEN")
    if [[ -n $3 ]]; then
        curl -fsk -o /dev/null "${auth[@]}" -H 'Content-Type: application/json' --data-binary "$(head -n 1 "$3")" "$url"
    else
        curl -fsk -o /dev/null "${auth[@]}" "$url"
    fi || fail "the first request to $url failed"
}

# credentials NAME: the JSON body that registers NAME and logs it in (the password is this run's own).
credentials() { printf '{"username":"%s","password":"bench password %s"}\n' "$1" "$$"; }

# register BASE NAME: makes the user NAME on the app at BASE (straight to it: no edge limit in the way).
register() {
    curl -fsS -o /dev/null -H 'Content-Type: application/json' --data-binary "$(credentials "$2")" "$1/api/users" ||
        fail "POST $1/api/users for $2 failed"
}

# log_in BASE NAME: registers NAME and logs in once; prints the session's token (for TOKEN=).
log_in() {
    register "$1" "$2"
    curl -fsS -H 'Content-Type: application/json' --data-binary "$(credentials "$2")" "$1/api/sessions" |
        $PY -c 'import json, sys; print(json.load(sys.stdin)["token"])' || fail "POST $1/api/sessions for $2 failed"
}

# cpu_now: "nginx_ticks jvm_ticks db_ticks" at this moment (every JVM; PostgreSQL's server and backends).
cpu_now() { $PY bench/stats.py cpu "${NGINX_PID:-0}" "$(IFS=,; echo "${APP_PIDS[*]}")" "${DB_PID:--}"; }

# upstream_connections PATH: how many TCP connections to the app 200 requests for PATH opened, sent one
# after another over ONE client connection. Each closed connection leaves a TIME-WAIT socket on the
# app's port for a minute, so the count is exact and ignores every other process on the machine:
# ~200 without upstream keep-alive, ~0 with the pool.
upstream_connections() {
    local before after urls=()
    for _ in $(seq 200); do urls+=("$EDGE$1"); done
    before=$(ss -Htan state time-wait "( sport = :$APP_PORT or dport = :$APP_PORT )" | wc -l)
    curl -fsk "${urls[@]}" >/dev/null || fail "curl $EDGE$1 failed"
    after=$(ss -Htan state time-wait "( sport = :$APP_PORT or dport = :$APP_PORT )" | wc -l)
    echo $(( after - before ))
}

# measure NAME TOOL BASE URIS [BODIES]: warm this row's load up, then one measured run of ROW_SECONDS;
# appends one "row ..." line to ROWS_FILE with the CPU each process spent during the run.
measure() {
    local name=$1 tool=$2 base=$3 uris=$4 bodies=${5:-} n0 j0 d0 n1 j1 d1
    printf '%-15s' "$name"
    prime "$base" "$uris" "$bodies"
    if (( ROW_WARMUP_MAX > 0 )); then
        warm_up "$tool" "$base" "$uris" "$bodies" "$ROUND_SECONDS" "$ROW_WARMUP_MAX"
    else
        WARM_SECONDS=0 WARM_CONVERGED=skipped WARM_TRACE=''
    fi
    read -r n0 j0 d0 < <(cpu_now)
    run_load "$tool" "$base" "$uris" "$bodies" "$ROW_SECONDS" "$WORK/row-$name"
    read -r n1 j1 d1 < <(cpu_now)
    parse_summary "$WORK/row-$name"
    echo "row name=$name tool=$tool $(sed 's/^bench //' "$WORK/row-$name") nginx_ticks=$((n1 - n0))" \
        "app_ticks=$((j1 - j0)) db_ticks=$((d1 - d0)) warmup_s=$WARM_SECONDS warmup_converged=$WARM_CONVERGED" \
        "warmup_rps=${WARM_TRACE:-none}" >>"$ROWS_FILE"
    printf ' %8s req/s  p50 %6.2f ms  p99 %7.2f ms  (warm-up %s s: %s)\n' "${R[rps]}" \
        "$(( R[p50_us] ))e-3" "$(( R[p99_us] ))e-3" "$WARM_SECONDS" "${WARM_TRACE:-skipped}"
    if (( R[non2xx] + R[socket_errors] > 0 )); then
        FAILED_ROWS=$(( FAILED_ROWS + 1 ))
        echo "  ✘ $name: ${R[non2xx]} non-2xx answers, ${R[socket_errors]} socket errors" >&2
    fi
}
