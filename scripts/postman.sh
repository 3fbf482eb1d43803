#!/usr/bin/env bash
# `make postman`: runs the Postman collection with newman against the whole stack, started exactly as
# `make run` starts it (scripts/run.sh: Nginx over HTTPS in front of the jar) but in the background, on
# free ports, with a throwaway database; the stack is stopped afterwards, also when something fails.
#   scripts/postman.sh [extra newman options, e.g. --folder Notes]
# Settings (environment): HTTPS_PORT, HTTP_PORT, APP_PORT (default: free ports). Exit code: newman's.
# Needs target/roundtrip.jar (make build) and node_modules (npm ci --ignore-scripts); make postman does both.
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { echo "postman.sh: $*" >&2; exit 2; }

[[ -f target/roundtrip.jar ]] || fail "no target/roundtrip.jar: run 'make postman' (it builds the jar) or 'make build'"
[[ -x node_modules/.bin/newman ]] || fail "newman is not installed: run 'make postman' or 'npm ci --ignore-scripts'"

# Three ports the kernel has just handed out, held open together so they are distinct, then released.
read -r free_https free_http free_app < <(node -e '
  const net = require("net");
  const servers = [0, 1, 2].map(() => net.createServer());
  Promise.all(servers.map(s => new Promise(ok => s.listen(0, "127.0.0.1", ok)))).then(() => {
    console.log(servers.map(s => s.address().port).join(" "));
    servers.forEach(s => s.close());
  });')
export HTTPS_PORT=${HTTPS_PORT:-$free_https} HTTP_PORT=${HTTP_PORT:-$free_http} APP_PORT=${APP_PORT:-$free_app}
export METRICS_PORT=0                   # any free port: the metrics listener never collides with a `make run`

# Everything this run writes (database, certificate, rendered config, logs) lives in one temp folder.
# 755: run as root, Nginx's workers (nobody) must reach the static files in it (see scripts/run.sh).
work=$(mktemp -d "${TMPDIR:-/tmp}/roundtrip-postman.XXXXXX")
chmod 755 "$work"
export DATA_DIR=$work/data RUN_DIR=$work/run
log=$work/stack.log

stack_pid=''
# shellcheck disable=SC2317  # reached through the EXIT trap, which shellcheck does not follow
stop_stack() {
    local status=$?
    if [[ -n $stack_pid ]] && kill -0 "$stack_pid" 2>/dev/null; then
        kill -TERM "$stack_pid" 2>/dev/null || true        # run.sh's own trap stops Nginx and the app cleanly
        for _ in $(seq 1 60); do kill -0 "$stack_pid" 2>/dev/null || break; sleep 0.5; done
        kill -KILL -- "-$stack_pid" 2>/dev/null || true     # whatever is still there after 30 s, group and all
    fi
    if [[ $status -eq 0 ]]; then
        rm -rf "$work"
    else
        echo "postman.sh: the stack's output and logs are kept in $work (stack.log, run/nginx/logs/)" >&2
    fi
}
trap stop_stack EXIT
trap 'exit 130' INT TERM                # through the EXIT trap above

# set -m: the stack gets a process group of its own (id = its pid), so stopping it reaches every process.
echo "starting the stack: https://localhost:$HTTPS_PORT (app on 127.0.0.1:$APP_PORT), output in $log"
set -m
scripts/run.sh >"$log" 2>&1 &
stack_pid=$!
set +m

ready=https://localhost:$HTTPS_PORT/api/ready
for _ in $(seq 1 180); do                # up to 90 s: a busy machine starts a JVM slowly
    curl -fsk -o /dev/null --max-time 2 "$ready" && break
    kill -0 "$stack_pid" 2>/dev/null || { tail -n 30 "$log" >&2; fail "the stack exited before it was ready"; }
    sleep 0.5
done
curl -fsk -o /dev/null --max-time 2 "$ready" || { tail -n 30 "$log" >&2; fail "not ready after 90 s: $ready"; }

# --insecure: the stack's certificate is self-signed (Postman's "SSL certificate verification: off").
newman_status=0
npx --no-install newman run postman/roundtrip.postman_collection.json \
    -e postman/local.postman_environment.json \
    --env-var "baseUrl=https://localhost:$HTTPS_PORT" \
    --insecure "$@" || newman_status=$?
exit "$newman_status"
