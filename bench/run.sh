#!/usr/bin/env bash
# `make bench`: measures the whole request path on this machine and prints one table. It starts its own
# stack on free loopback ports in a temp dir — the real jar, Nginx with the project's rendered config plus
# two benchmark-only locations from bench/nginx/ — seeds 10 000 notes, warms up until throughput is steady,
# then runs each row for a fixed time at 64 connections with wrk (HTTP/1.1) or h2load (HTTP/2) and records
# req/s, p50/p99, errors and the CPU that Nginx's workers and the JVM each spent per request. Writes carry a
# session (a user registered and logged in once per database); the log-in row runs 32 log-ins at once.
#
# Usage: scripts/bench.sh   (the jar must be built: `make bench` does that first)
#   BENCH_SECONDS=15       measured seconds per row
#   BENCH_CONNECTIONS=64   concurrent connections (wrk) / clients (h2load)
#   BENCH_SMOKE=1          a quick check of the script itself: 300 notes, 1 s per row, no warm-up,
#                          16 connections
#   BENCH_OUT=DIR          where results.json and results.png go (default bench/; smoke: a temp dir)
#   BENCH_KEEP=1           keep the temp dir (logs, rendered config, databases) and print its path
#   JAVA_OPTS=...          JVM options (default below: the container's settings)
# Exit status: 0, or 1 if any row saw a non-2xx answer or a socket error (the table is printed first).
# Missed targets are marked ✘ in the table but do not fail the run: they are findings, not errors.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

# --- Settings ----------------------------------------------------------------------------------------
SMOKE=${BENCH_SMOKE:-0}
THREADS=2                                # wrk/h2load threads: one per core of this 2-core machine
LOGIN_CONNECTIONS=32                     # the log-in row: 32 log-ins at once, whatever CONNECTIONS is
SEARCH_CONNECTIONS=8                     # the search row: what the search gate admits at once (2 + 6)
TOKEN='' SHED=''                         # per row (see lib.sh): no row but those that say so sends a session
# The documented default heap and GC (Makefile, docker/app.Dockerfile; make bench passes the Makefile's on).
JAVA_OPTS=${JAVA_OPTS:--XX:+UseSerialGC -Xmx64m -Xss512k -XX:+ExitOnOutOfMemoryError}
if [[ $SMOKE == 1 ]]; then
    NOTES=300 ROW_SECONDS=1 ROUND_SECONDS=1 ROW_WARMUP_MAX=0 JIT_WARMUP_MAX=0 JIT_WARMUP_MIN=0
    CONNECTIONS=${BENCH_CONNECTIONS:-16}  # a cold JVM serves few requests in 1 s; fewer waiting is kinder to CI
    OUT=${BENCH_OUT:-${TMPDIR:-/tmp}/roundtrip-bench-smoke}
else
    NOTES=10000 ROW_SECONDS=${BENCH_SECONDS:-15} CONNECTIONS=${BENCH_CONNECTIONS:-64}
    ROUND_SECONDS=3                      # one warm-up round of a row's own load
    ROW_WARMUP_MAX=30                    # per row, after the JIT warm-up below has done the heavy part
    JIT_WARMUP_MAX=120                   # a fresh JVM: rounds of 5 s, up to 120 s, then go on and say so
    JIT_WARMUP_MIN=60                    # ...and never steady before 60 s (see warm_up in lib.sh)
    OUT=${BENCH_OUT:-bench}
fi
[[ $CONNECTIONS =~ ^[0-9]+$ && $ROW_SECONDS =~ ^[0-9]+$ && $ROW_SECONDS -ge 1 ]] ||
    fail "BENCH_CONNECTIONS and BENCH_SECONDS must be whole numbers ≥ 1"
[[ -f target/roundtrip.jar ]] || fail "target/roundtrip.jar is missing: run \`make build\` (or \`make bench\`)"
scripts/require.sh wrk=wrk h2load=nghttp2-client gnuplot=gnuplot-nox nginx=nginx openssl=openssl \
    envsubst=gettext-base curl=curl pg_createcluster=postgresql psql=postgresql-client
[[ -x $PY ]] || fail "$PY is missing (Debian's python3): apt-get install -y python3"
started=$(date +%s)

# --- A private stack on free ports -------------------------------------------------------------------
# 755: run as root, Nginx's workers are `nobody` and must be able to enter the prefix.
WORK=$(mktemp -d "${TMPDIR:-/tmp}/roundtrip-bench.XXXXXX")
chmod 755 "$WORK"
ROWS_FILE=$WORK/rows.txt
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
    stop_nginx
    stop_app
    [[ -z $DB_PID ]] || scripts/postgres.sh stop "$WORK/pg"
    if [[ ${BENCH_KEEP:-0} == 1 ]]; then echo "bench: kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM                 # Ctrl-C: still run cleanup (EXIT), so nothing stays running

# Every port of the run is picked at once, so a later one can never be a port freed a moment before.
{ read -r APP_PORT; read -r HTTPS_PORT; read -r HTTP_PORT; read -r PG_PORT; read -r PG_APP_2; read -r PG_APP_3; } \
    < <($PY bench/stats.py ports 6)
scripts/make-cert.sh "$WORK/certs" >/dev/null
# All load comes from one address (127.0.0.1): the shipped 100 r/s per client (and 10 log-ins a minute) would
# answer nearly every request with 429, so this run renders limits no row can reach. The limit_req code still runs.
# render_edge UPSTREAMS [EXTRA_DIR]: the project's config for this run's ports, plus benchmark-only locations
# (default: both of bench/nginx/; the no-keepalive one names a single app, so several replicas leave it out).
render_edge() {
    HTTPS_PORT=$HTTPS_PORT HTTP_PORT=$HTTP_PORT APP_UPSTREAM=$1 LISTEN_IPV6=off \
        TLS_CERT=$WORK/certs/localhost.crt TLS_KEY=$WORK/certs/localhost.key \
        API_RATE_LIMIT=1000000r/s API_RATE_BURST=100000 AUTH_RATE_LIMIT=1000000r/s AUTH_RATE_BURST=100000 \
        EXTRA_INCLUDE_DIR=${2:-bench/nginx} \
        scripts/render-nginx.sh "$WORK/nginx" >/dev/null
}
mkdir -p "$WORK/edge-only" && cp bench/nginx/edge-ceiling.conf "$WORK/edge-only/"
render_edge "127.0.0.1:$APP_PORT"
EDGE=https://127.0.0.1:$HTTPS_PORT DIRECT=http://127.0.0.1:$APP_PORT
echo "bench: $NOTES notes, ${ROW_SECONDS} s per row, $CONNECTIONS connections; JAVA_OPTS=$JAVA_OPTS"
echo "bench: app :$APP_PORT, nginx https :$HTTPS_PORT; work dir $WORK; load average $(cut -d' ' -f1-3 /proc/loadavg)"

# --- Data: migrate with the app, seed with SQLite, keep a copy for the FULL run -------------------------
start_app "$WORK/normal" NORMAL          # creates and migrates the database
stop_app
$PY bench/seed.py "$WORK/normal/roundtrip.db" "$NOTES" "$WORK/req"
mkdir -p "$WORK/full" && cp "$WORK/normal/roundtrip.db" "$WORK/full/"   # the writes at FULL start from the same data
cp "$WORK/normal/roundtrip.db" "$WORK/seed.db"                          # and PostgreSQL is loaded from it
Q=$WORK/req
# The JIT warm-up mix: mostly reads by id, plus lists, searches and health checks, straight to the app.
{ head -n 400 "$Q/ids.txt"; for _ in $(seq 40); do cat "$Q/list.txt" "$Q/health.txt"; done
  for _ in $(seq 5); do cat "$Q/search.txt"; done; } >"$Q/mixed.txt"

PEAK_HWM_KB=0 && rm -f "$WORK/rss.max"   # the migration run does not count: no load on it
start_app "$WORK/normal" NORMAL
start_nginx
: >"$ROWS_FILE"
WRITER=$(log_in "$DIRECT" bench-writer)  # the session of the write rows (a new one per database below)
# The log-in row's users, one per connection: the per-name throttle counts a name's attempts before they are
# checked, so 32 at once for ONE name would be refused (429), as guesses are. Apart from the writer's sessions.
: >"$Q/login.jsonl"
for n in $(seq "$LOGIN_CONNECTIONS"); do
    register "$DIRECT" "bench-login-$n" && credentials "bench-login-$n" >>"$Q/login.jsonl"
done
echo "/api/sessions" >"$Q/login.txt"
echo "/api/me" >"$Q/me.txt"

# jit_warm_up TOOL BASE URIS BODIES: the long warm-up of a fresh JVM; its result goes into meta.txt.
jit_warm_up() {
    if (( JIT_WARMUP_MAX == 0 )); then echo "jit warm-up     skipped (smoke)"; return; fi
    printf '%-15s' "jit warm-up"
    warm_up "$1" "$2" "$3" "$4" 5 "$JIT_WARMUP_MAX" "$JIT_WARMUP_MIN"
    echo " $WARM_SECONDS s, converged: $WARM_CONVERGED (req/s per 5-s round: $WARM_TRACE)"
    [[ $WARM_CONVERGED == yes ]] || echo "  note: not steady after $JIT_WARMUP_MAX s; measuring anyway" >&2
    echo "jit_warmup_$5=$WARM_SECONDS s, converged $WARM_CONVERGED, rounds $WARM_TRACE" >>"$WORK/meta.txt"
}
# Tools and parameters end up in results.json next to the numbers.
cat >"$WORK/meta.txt" <<META
date=$(date -u +%Y-%m-%dT%H:%M:%SZ)
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD 2>/dev/null || echo ' (with local changes)')
smoke=$SMOKE
notes=$NOTES
row_seconds=$ROW_SECONDS
connections=$CONNECTIONS
client_threads=$THREADS
java_opts=$JAVA_OPTS
cpus=$(nproc)
clk_tck=$(getconf CLK_TCK)
loadavg_start=$(cut -d' ' -f1-3 /proc/loadavg)
java=$(java -version 2>&1 | head -n 1)
nginx=$("$NGINX" -v 2>&1)
wrk=$(wrk -v 2>&1 | head -n 1 | cut -d' ' -f1-2)
h2load=$(h2load --version 2>&1 | head -n 1)
META

# --- The rows (order: Nginx alone first, FULL last because it restarts the app) -------------------------
measure edge_h1        wrk    "$EDGE"   "$Q/static.txt"
measure edge_h2        h2load "$EDGE"   "$Q/static.txt"
jit_warm_up wrk "$DIRECT" "$Q/mixed.txt" "" reads
measure app_ceiling    wrk    "$DIRECT" "$Q/health.txt"
measure direct         wrk    "$DIRECT" "$Q/ids.txt"
measure proxied_h1     wrk    "$EDGE"   "$Q/ids.txt"
measure proxied_h2     h2load "$EDGE"   "$Q/ids.txt"
measure hop_ceiling    wrk    "$EDGE"   "$Q/health.txt"
measure list           wrk    "$EDGE"   "$Q/list.txt"
# Searches at the gate's size (notes/SearchGate: 2 running, 6 waiting): more at once are shed with 503 by design.
CONNECTIONS=$SEARCH_CONNECTIONS measure search wrk "$EDGE" "$Q/search.txt"
sed 's|^|/nokeepalive|' "$Q/ids.txt" >"$Q/nokeepalive.txt"
# Proof that row 8 differs from row 4 in exactly one way: upstream connections per 200 requests.
echo "upstream_connections_per_200_keepalive=$(upstream_connections /api/health)" >>"$WORK/meta.txt"
echo "upstream_connections_per_200_no_keepalive=$(upstream_connections /nokeepalive/api/health)" >>"$WORK/meta.txt"
measure no_keepalive   wrk    "$EDGE"   "$Q/nokeepalive.txt"
echo "/api/notes" >"$Q/create.txt"
TOKEN=$WRITER measure writes_normal  wrk "$EDGE" "$Q/create.txt" "$Q/bodies.jsonl"
TOKEN=$WRITER measure session_check  wrk "$EDGE" "$Q/me.txt"
# 32 log-ins at once, each an Argon2id hash (m=19 MiB, t=2, p=1): log-ins per second, and the JVM's peak RSS while
# they run (VmHWM reset just before). 503 too-many-logins is the app refusing hashes it has no room for: counted apart.
reset_peak_rss && rss_reset=yes || rss_reset="no (clear_refs refused: the peak since the JVM started)"
echo "login_rss_before_kb=$($PY bench/stats.py mem "${APP_PIDS[0]}" | cut -d' ' -f2)" >>"$WORK/meta.txt"
CONNECTIONS=$LOGIN_CONNECTIONS SHED=503 measure login wrk "$EDGE" "$Q/login.txt" "$Q/login.jsonl"
echo "login_peak_rss_kb=$($PY bench/stats.py mem "${APP_PIDS[0]}" | cut -d' ' -f1)" >>"$WORK/meta.txt"
echo "login_peak_rss_reset=$rss_reset" >>"$WORK/meta.txt"
echo "login_connections=$LOGIN_CONNECTIONS" >>"$WORK/meta.txt"

stop_app                                 # FULL: a fresh JVM on the copy of the freshly seeded database
start_app "$WORK/full" FULL
WRITER=$(log_in "$DIRECT" bench-writer)  # the copy was made before any user existed
TOKEN=$WRITER jit_warm_up wrk "$EDGE" "$Q/create.txt" "$Q/bodies.jsonl" writes
TOKEN=$WRITER measure writes_full wrk "$EDGE" "$Q/create.txt" "$Q/bodies.jsonl"
stop_app                                 # records the second JVM's peak RSS
stop_nginx

# --- PostgreSQL: the same GET by id and POST, direct, through Nginx to 1 replica and to 3 --------------
# A local server of the run's own (scripts/postgres.sh), loaded with the same 10 000 notes; three app
# servers on it. On two cores more replicas cannot add throughput: these rows show what the database hop,
# the pool and the upstream policy cost (docs/scaling.md).
PG_URL=$(scripts/postgres.sh start "$WORK/pg" "$PG_PORT")
# The cluster's generated password: for the app servers (DATABASE_PASSWORD) and for psql (PGPASSWORD).
DATABASE_PASSWORD=$(cat "$WORK/pg/password") && export DATABASE_PASSWORD PGPASSWORD=$DATABASE_PASSWORD
DB_PID=$(head -n 1 "$WORK/pg/data/postmaster.pid")
start_replicas "$PG_URL" "$APP_PORT" "$PG_APP_2" "$PG_APP_3"  # the first start migrates; the others find it done
$PY bench/seed.py csv "$WORK/seed.db" | psql -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d roundtrip \
    -c "\\copy notes (title, body, tags, created_at, updated_at, version) FROM pstdin WITH (FORMAT csv)" \
    -c "ANALYZE" >/dev/null
WRITER=$(log_in "$DIRECT" bench-writer)
render_edge "127.0.0.1:$APP_PORT 127.0.0.1:$PG_APP_2 127.0.0.1:$PG_APP_3" "$WORK/edge-only"
start_nginx
# Each JVM on its own, with the whole load: through Nginx each would get a third of it, and three JITs warming
# up side by side on two cores plateau long enough to pass for steady (seen: 2 300 req/s, then 7 000).
for port in "$APP_PORT" "$PG_APP_2" "$PG_APP_3"; do
    jit_warm_up wrk "http://127.0.0.1:$port" "$Q/ids.txt" "" "postgres_$port"
done
measure pg_get_3       wrk    "$EDGE"   "$Q/ids.txt"
TOKEN=$WRITER measure pg_post_3 wrk "$EDGE" "$Q/create.txt" "$Q/bodies.jsonl"
render_edge "127.0.0.1:$APP_PORT"
reload_nginx
measure pg_get_direct  wrk    "$DIRECT" "$Q/ids.txt"
measure pg_get_1       wrk    "$EDGE"   "$Q/ids.txt"
TOKEN=$WRITER measure pg_post_direct wrk "$DIRECT" "$Q/create.txt" "$Q/bodies.jsonl"
TOKEN=$WRITER measure pg_post_1      wrk "$EDGE"   "$Q/create.txt" "$Q/bodies.jsonl"
stop_nginx
stop_app
scripts/postgres.sh stop "$WORK/pg" && DB_PID=''

cat >>"$WORK/meta.txt" <<META
loadavg_end=$(cut -d' ' -f1-3 /proc/loadavg)
app_peak_rss_kb=$PEAK_HWM_KB
app_max_sampled_rss_kb=$(cat "$WORK/rss.max" 2>/dev/null || echo 0)
elapsed_s=$(( $(date +%s) - started ))
META

# --- Report ----------------------------------------------------------------------------------------------
mkdir -p "$OUT"
status=0
$PY bench/report.py "$WORK/meta.txt" "$ROWS_FILE" "$OUT" || status=$?
if (( FAILED_ROWS > 0 )); then status=1; fi
exit "$status"
