#!/usr/bin/env bash
# `make deploy-tools-test`: hostile inputs for the deployment's small tools, each checked by what it does:
#   deploy/prune-backups.sh  removes only old backups of its own exact name pattern (never a stray file, a name
#                            with a newline, or the newest backup because a stray name sorts above it);
#   deploy/check-exposure.sh fails on every non-loopback spelling of an app port, the template instances' too
#                            (a fake `ss` prints the listeners, so no port is bound);
#   scripts/upgrade.sh       never stops the last ready replica, and a hand-over that fails after the new
#                            version started stops that new version again (fake apps: small Python servers).
# Loopback only, a few seconds, everything it starts is stopped and its directory removed by a trap.
set -euo pipefail
cd "$(dirname "$0")/.."

tmp=$(mktemp -d /tmp/roundtrip-deploy-tools.XXXXXX)
pids=()
# cleanup: stop every fake app this script (or upgrade.sh under it) started, remove $tmp.
cleanup() {
    local pid file
    for file in "$tmp"/run/*.pid; do [[ -r $file ]] && pids+=("$(cat "$file")"); done
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    rm -rf "$tmp"
}
trap cleanup EXIT

fail() { echo "deploy-tools-test: FAIL: $*" >&2; exit 1; }
step() { echo "deploy-tools-test: ok: $*"; }

# --- prune-backups.sh --------------------------------------------------------------------------------
prune_checks() {
    local dir=$tmp/backups
    mkdir -p "$dir"
    touch "$dir/roundtrip-20261101T031500Z.db" "$dir/roundtrip-20261102T031500Z.db" "$dir/roundtrip-20261103T031500Z.db"
    touch "$dir/roundtrip-9T9Z.db"                     # not a time stamp, but it sorts above every real one
    touch "$dir/notes.txt" "$dir/T1Z.db" "$dir/"$'roundtrip-1\nnotes.txt\nT1Z.db'   # a newline in a name
    echo keep-me >"$tmp/elsewhere.db"
    ln -s "$tmp/elsewhere.db" "$dir/roundtrip-20261001T000000Z.db"   # a link named like an old backup
    deploy/prune-backups.sh "$dir" 1 >/dev/null
    [[ -e $dir/roundtrip-20261103T031500Z.db ]] || fail "prune-backups.sh removed the newest backup"
    [[ ! -e $dir/roundtrip-20261101T031500Z.db && ! -e $dir/roundtrip-20261102T031500Z.db ]] ||
        fail "prune-backups.sh kept older backups with BACKUP_KEEP=1"
    local name
    for name in roundtrip-9T9Z.db notes.txt T1Z.db $'roundtrip-1\nnotes.txt\nT1Z.db' roundtrip-20261001T000000Z.db; do
        [[ -e $dir/$name || -L $dir/$name ]] || fail "prune-backups.sh removed '$name', which is not one of its backups"
    done
    [[ $(cat "$tmp/elsewhere.db") == keep-me ]] || fail "prune-backups.sh touched a symlink's target"
    local keep
    for keep in 0 abc -1 "1 2" ""; do
        if deploy/prune-backups.sh "$dir" "$keep" 2>/dev/null; then fail "prune-backups.sh accepted KEEP='$keep'"; fi
    done
    step "prune-backups.sh: only exact roundtrip-YYYYMMDDTHHMMSSZ.db files, newest kept; KEEP 0/abc refused"
}

# --- check-exposure.sh, with a fake ss -----------------------------------------------------------------
# exposure LISTENER...: runs check-exposure.sh (default ports, or EXPOSURE_PORTS) while `ss -Hltn` prints these
# local addresses.
exposure() {
    mkdir -p "$tmp/fake-bin"
    printf '#!/bin/sh\ncat "%s/ss.txt"\n' "$tmp" >"$tmp/fake-bin/ss"
    chmod +x "$tmp/fake-bin/ss"
    printf 'LISTEN 0      50     %s     0.0.0.0:*\n' "$@" >"$tmp/ss.txt"
    # shellcheck disable=SC2086  # EXPOSURE_PORTS is a list of ports
    PATH=$tmp/fake-bin:$PATH deploy/check-exposure.sh ${EXPOSURE_PORTS:-} >/dev/null 2>&1
}

exposure_checks() {
    local local_address
    for local_address in 0.0.0.0:8000 '[::]:9464' '*:8000' '[::ffff:192.0.2.7]:8000' 192.0.2.7:9464 \
            '0.0.0.0%eth0:8000' 0.0.0.0:8001 '[::]:18000' 0.0.0.0:18001; do
        if exposure 127.0.0.1:443 "$local_address"; then fail "check-exposure.sh passed an app port on $local_address"; fi
    done
    if EXPOSURE_PORTS=08000 exposure 0.0.0.0:8000; then fail "check-exposure.sh 08000 passed an app on 0.0.0.0:8000"; fi
    if EXPOSURE_PORTS=70000 exposure 127.0.0.1:8000; then fail "check-exposure.sh accepted port 70000"; fi
    exposure 127.0.0.1:8000 '[::1]:9464' '[::ffff:127.0.0.1]:8001' 127.0.0.1:18000 0.0.0.0:443 '[::]:80' ||
        fail "check-exposure.sh failed loopback-only app ports"
    step "check-exposure.sh: 0.0.0.0, [::], *, public and IPv4-mapped addresses fail, for 8000/8001 and their metrics"
}

# --- upgrade.sh, process mode, with fake apps ------------------------------------------------------------
# A fake `java`: answers 200 to every GET on 127.0.0.1:APP_PORT (so /api/ready and /api/health), until SIGTERM.
make_fake_java() {
    cat >"$tmp/fake-java" <<'EOF'
#!/usr/bin/env bash
exec python3 -c '
import http.server, sys
class Ok(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.send_header("Content-Length", "0"); self.end_headers()
    def log_message(self, *args): pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Ok).serve_forever()' "$APP_PORT"
EOF
    chmod +x "$tmp/fake-java"
    touch "$tmp/roundtrip.jar"
}

# fake_app PORT: starts a fake app the way upgrade.sh would have, with its pid file; waits until it answers.
fake_app() {
    mkdir -p "$tmp/run"
    APP_PORT=$1 "$tmp/fake-java" >/dev/null 2>&1 &
    echo $! >"$tmp/run/app-$1.pid"
    local tries
    for (( tries = 0; tries < 50; tries++ )); do
        curl -fs -o /dev/null "http://127.0.0.1:$1/api/ready" && return 0
        sleep 0.1
    done
    fail "the fake app on port $1 did not start"
}

# upgrade ARGS...: scripts/upgrade.sh in process mode with the fake java; its output in $tmp/upgrade.log.
upgrade() {
    UPGRADE_MODE=process RUN_DIR=$tmp/run JAVA=$tmp/fake-java JAR=$tmp/roundtrip.jar NGINX_DIR=$tmp/nginx \
        READY_TIMEOUT=5 STOP_TIMEOUT=5 ROLLING_PAUSE=0 timeout 30 scripts/upgrade.sh "$@" >"$tmp/upgrade.log" 2>&1
}

# upgrade_systemd ARGS...: scripts/upgrade.sh in systemd mode (only what runs before any systemctl is tested).
upgrade_systemd() {
    NGINX_DIR=$tmp/nginx timeout 30 scripts/upgrade.sh "$@" >"$tmp/upgrade.log" 2>&1
}

answers() { curl -fs -o /dev/null --max-time 2 "http://127.0.0.1:$1/api/ready"; }

upgrade_checks() {
    local a b pid_a
    read -r -d '' a b < <(python3 bench/stats.py ports 2) || true
    make_fake_java
    fake_app "$a"
    pid_a=$(cat "$tmp/run/app-$a.pid")
    # The only replica, the same one twice, or a second one that is not up: stopping it would leave none.
    if upgrade rolling "$a"; then fail "upgrade.sh rolling $a restarted the only replica"; fi
    if upgrade rolling "$a" "$a"; then fail "upgrade.sh rolling $a $a restarted the only replica"; fi
    if upgrade rolling "$a" "$b"; then fail "upgrade.sh rolling $a $b went on with $b not ready"; fi
    if [[ $(cat "$tmp/run/app-$a.pid") != "$pid_a" ]] || ! kill -0 "$pid_a"; then
        fail "upgrade.sh rolling stopped the last ready replica: $(tail -n 3 "$tmp/upgrade.log")"
    fi
    step "upgrade.sh rolling: refuses one replica, a repeated port, and a next replica that is not ready"
    # A hand-over whose Nginx switch fails after the new version is up: the new one must not stay beside the old.
    mkdir -p "$tmp/nginx"
    sleep 30 & pids+=($!)
    echo $! >"$tmp/nginx/nginx.pid"
    echo HTTPS_PORT=0 >"$tmp/bad-render.env"    # render-nginx.sh refuses it: the switch fails after the start
    if RENDER_ENV_FILE=$tmp/bad-render.env upgrade handover "$a" "$b"; then fail "upgrade.sh handover succeeded with a bad render setting"; fi
    grep -q 'HTTPS_PORT must be' "$tmp/upgrade.log" || fail "the hand-over failed elsewhere: $(tail -n 3 "$tmp/upgrade.log")"
    ! answers "$b" || fail "a failed hand-over left the new version running on port $b: $(tail -n 3 "$tmp/upgrade.log")"
    answers "$a" || fail "a failed hand-over stopped the old version on port $a"
    # Rendered for the new port, then nginx -t fails (a fake nginx): the files on disk must name the old port again.
    printf '#!/bin/sh\necho "nginx: [emerg] a fake failure" >&2\nexit 1\n' >"$tmp/fake-bin/nginx-fails"
    chmod +x "$tmp/fake-bin/nginx-fails"
    printf 'TLS_CERT=%s\nTLS_KEY=%s\nLISTEN_IPV6=off\n' "$tmp/cert/localhost.crt" "$tmp/cert/localhost.key" >"$tmp/good-render.env"
    if RENDER_ENV_FILE=$tmp/good-render.env NGINX_BIN=$tmp/fake-bin/nginx-fails upgrade handover "$a" "$b"; then
        fail "upgrade.sh handover succeeded although nginx -t failed"
    fi
    ! answers "$b" || fail "a hand-over whose nginx -t failed left the new version on port $b"
    grep -q "server 127.0.0.1:$a " "$tmp/nginx/conf.d/roundtrip.conf" ||
        fail "after a failed nginx -t the config on disk no longer names the old port $a: $(grep -m 1 'server 127' "$tmp/nginx/conf.d/roundtrip.conf")"
    step "upgrade.sh handover: a failed Nginx switch stops the new version again, the old one serves on"
    # Without the site's render settings nothing may start: a re-render from defaults would move the real site.
    if RENDER_ENV_FILE=$tmp/missing.env upgrade handover "$a" "$b"; then fail "upgrade.sh handover ran without its render settings"; fi
    grep -q 'RENDER_ENV_FILE not readable' "$tmp/upgrade.log" || fail "upgrade.sh said: $(tail -n 3 "$tmp/upgrade.log")"
    if [[ ! -e /etc/roundtrip/render.env ]]; then
        if UPGRADE_MODE=systemd RENDER_ENV_FILE='' upgrade_systemd handover "$a" "$b"; then fail "systemd hand-over ran without /etc/roundtrip/render.env"; fi
        grep -q '/etc/roundtrip/render.env' "$tmp/upgrade.log" || fail "systemd mode said: $(tail -n 3 "$tmp/upgrade.log")"
    fi
    if answers "$b" || ! answers "$a"; then fail "a refused hand-over changed the instances"; fi
    step "upgrade.sh handover: refused before starting anything without the site's render settings (systemd: render.env)"
}

# --- render-nginx.sh ---------------------------------------------------------------------------------
# Renders racing into one directory (an upgrade while an operator re-renders) must leave a whole site.
render_race_checks() {
    local round i broken=0 rpids
    scripts/make-cert.sh "$tmp/cert" >/dev/null 2>&1
    for (( round = 0; round < 10; round++ )); do
        rpids=()
        for i in 1 2 3; do
            TLS_CERT=$tmp/cert/localhost.crt TLS_KEY=$tmp/cert/localhost.key LISTEN_IPV6=off \
                scripts/render-nginx.sh "$tmp/rendered" >/dev/null 2>&1 & rpids+=($!)
        done
        for i in "${rpids[@]}"; do wait "$i" || broken=$((broken + 1)); done
        [[ -f $tmp/rendered/html/index.html && -f $tmp/rendered/conf.d/roundtrip.conf ]] || broken=$((broken + 1))
    done
    (( broken == 0 )) || fail "3 render-nginx.sh at once into one directory, 10 times: $broken failed renders or broken trees"
    step "render-nginx.sh: 3 renders at once into one directory, 10 times, each tree whole"
}

prune_checks
render_race_checks
exposure_checks
upgrade_checks
echo "deploy-tools-test: PASSED"
