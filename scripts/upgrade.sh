#!/usr/bin/env bash
# Upgrades the running app with no failed request. Two procedures:
#   scripts/upgrade.sh handover OLD_PORT NEW_PORT   SQLite, one machine: the new version starts beside the old on
#                                                   NEW_PORT (DATA_DIR_HANDOVER=on), becomes ready, Nginx is
#                                                   re-rendered for NEW_PORT and reloaded, the old one drains and stops
#   scripts/upgrade.sh rolling PORT...              PostgreSQL replicas: stop one (it drains, Nginx routes around it),
#                                                   start it again on the new version, wait until ready, next
# Settings (environment):
#   UPGRADE_MODE   systemd (default): instances are the units roundtrip@PORT, Nginx is roundtrip-nginx.service
#                  process: instances are `java -jar JAR` processes with pid files in RUN_DIR (tests, make run)
#   NEW_JAR        optional: the new version's jar; installed as RELEASES_DIR/<VERSION>/roundtrip.jar and JAR
#                  (a symlink) moved to it before the first instance starts. Running instances keep their open jar.
#   VERSION        the release's name (default: the first 12 hex digits of NEW_JAR's sha256)
#   JAR            the jar instances start from (default /opt/roundtrip/roundtrip.jar); RELEASES_DIR its releases
#   NGINX_DIR      the rendered Nginx directory (default /etc/roundtrip/nginx); its nginx.pid names the master
#   RENDER_ENV_FILE a file of NAME=value lines for scripts/render-nginx.sh (HTTPS_PORT, TLS_CERT, ...), the same
#                  settings the site was first rendered with; APP_UPSTREAM is set by this script. systemd mode:
#                  default /etc/roundtrip/render.env (deploy/render-site.sh writes it), required; process mode:
#                  optional (without it render-nginx.sh's defaults are used)
#   READY_TIMEOUT  seconds to wait for an instance to be ready (default 90); STOP_TIMEOUT to exit (default 30)
#   ROLLING_PAUSE  seconds between replicas (default 6: past Nginx's fail_timeout of 5 s, so it uses the restarted
#                  replica again before the next one stops)
#   process mode only: RUN_DIR (default .run/upgrade: app-PORT.pid for every instance, also those started by
#                  someone else, and app-PORT.log), JAVA (default java), NGINX_BIN (default nginx), JAVA_OPTS, and
#                  the app's own settings (DATA_DIR, DATABASE_URL, METRICS_PORT (default 0: any free port), ...)
set -euo pipefail

fail() { echo "upgrade.sh: $*" >&2; exit 1; }
say() { echo "upgrade.sh: $(date +%T) $*"; }

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
UPGRADE_MODE=${UPGRADE_MODE:-systemd}
JAR=${JAR:-/opt/roundtrip/roundtrip.jar}
RELEASES_DIR=${RELEASES_DIR:-$(dirname "$JAR")/releases}
NGINX_DIR=${NGINX_DIR:-/etc/roundtrip/nginx}
READY_TIMEOUT=${READY_TIMEOUT:-90}
STOP_TIMEOUT=${STOP_TIMEOUT:-30}
ROLLING_PAUSE=${ROLLING_PAUSE:-6}
RUN_DIR=${RUN_DIR:-.run/upgrade}
JAVA=${JAVA:-java}
NGINX_BIN=${NGINX_BIN:-nginx} # not NGINX: Nginx itself reads that variable (inherited sockets)
# Without the site's own settings a re-render would fall back to render-nginx.sh's defaults (ports 8443/8080,
# SERVER_NAME=localhost, a development certificate) and the reload would take the real site off its ports.
[[ $UPGRADE_MODE != systemd ]] || RENDER_ENV_FILE=${RENDER_ENV_FILE:-/etc/roundtrip/render.env}

# is_port VALUE: true for a number from 1 to 65535.
is_port() { [[ $1 =~ ^[0-9]+$ ]] && (( 10#$1 >= 1 && 10#$1 <= 65535 )); }

# --- Process control: systemd units, or plain processes with pid files -----------------------------

# start_instance PORT HANDOVER: starts the app on 127.0.0.1:PORT from JAR; HANDOVER=on lets it start beside the
# app that holds DATA_DIR (systemd: the unit must set DATA_DIR_HANDOVER=on itself, checked in preflight).
start_instance() {
    local port=$1 handover=$2
    if [[ $UPGRADE_MODE == systemd ]]; then
        systemctl start "roundtrip@$port"
        return
    fi
    mkdir -p "$RUN_DIR"
    # setsid: the app outlives this script and is not in its process group (a Ctrl-C here must not stop it).
    # shellcheck disable=SC2086  # JAVA_OPTS is a list of options
    APP_PORT=$port METRICS_PORT=${METRICS_PORT:-0} DATA_DIR_HANDOVER=$handover \
        setsid "$JAVA" ${JAVA_OPTS:-} -jar "$JAR" >>"$RUN_DIR/app-$port.log" 2>&1 </dev/null &
    echo $! >"$RUN_DIR/app-$port.pid"
}

# stop_instance PORT: SIGTERM (the app drains: unready, new connections refused, requests in flight answered),
# then waits for it to exit.
stop_instance() {
    local port=$1 pid
    if [[ $UPGRADE_MODE == systemd ]]; then
        systemctl stop "roundtrip@$port" # returns once the process has exited (TimeoutStopSec)
        return
    fi
    pid=$(instance_pid "$port") || fail "no pid file $RUN_DIR/app-$port.pid: is an app on port $port started by this script?"
    kill -TERM "$pid" 2>/dev/null || true
    for (( waited = 0; waited < STOP_TIMEOUT * 10; waited++ )); do
        kill -0 "$pid" 2>/dev/null || { rm -f "$RUN_DIR/app-$port.pid"; return; }
        sleep 0.1
    done
    fail "the app on port $port (pid $pid) did not exit within ${STOP_TIMEOUT} s of SIGTERM; look at its log"
}

# instance_pid PORT: prints the pid of the instance on PORT (fails when none is known).
instance_pid() {
    local port=$1 pid
    if [[ $UPGRADE_MODE == systemd ]]; then
        pid=$(systemctl show -p MainPID --value "roundtrip@$port")
        [[ $pid != 0 ]] && echo "$pid"
        return
    fi
    [[ -r $RUN_DIR/app-$port.pid ]] && cat "$RUN_DIR/app-$port.pid"
}

# wait_ready PORT: polls GET /api/ready until 200; false after READY_TIMEOUT or when the process has exited.
wait_ready() {
    local port=$1 pid
    for (( waited = 0; waited < READY_TIMEOUT * 5; waited++ )); do
        curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$port/api/ready" 2>/dev/null && return 0
        pid=$(instance_pid "$port") || return 1
        kill -0 "$pid" 2>/dev/null || return 1 # it exited (a bad config, a refused DATA_DIR): no use waiting
        sleep 0.2
    done
    return 1
}

# --- Nginx: re-render for the new upstream, check, reload, wait for the old workers ----------------

# nginx_master: prints the pid of Nginx's master process (from NGINX_DIR/nginx.pid).
nginx_master() {
    [[ -r $NGINX_DIR/nginx.pid ]] || fail "no $NGINX_DIR/nginx.pid: is Nginx running with NGINX_DIR=$NGINX_DIR?"
    cat "$NGINX_DIR/nginx.pid"
}

# switch_nginx UPSTREAM...: renders NGINX_DIR with APP_UPSTREAM=UPSTREAM..., checks it, reloads Nginx, and waits
# until the workers of the old configuration have finished their requests and exited.
switch_nginx() {
    local master old_workers
    master=$(nginx_master)
    render_for "$@"
    "$NGINX_BIN" -t -q -p "$NGINX_DIR/" -c "$NGINX_DIR/nginx.conf" -e stderr ||
        fail "the re-rendered Nginx config does not pass nginx -t; Nginx still runs the old one (not reloaded)"
    old_workers=$(pgrep -P "$master" | tr '\n' ' ') # the workers of the old config, before the reload
    if [[ $UPGRADE_MODE == systemd ]]; then
        systemctl reload roundtrip-nginx
    else
        "$NGINX_BIN" -s reload -p "$NGINX_DIR/" -c "$NGINX_DIR/nginx.conf" -e stderr
    fi
    wait_gone "$old_workers"
}

# render_for UPSTREAM...: renders NGINX_DIR with the site's settings (RENDER_ENV_FILE) and APP_UPSTREAM=UPSTREAM...
render_for() {
    (
        if [[ -n ${RENDER_ENV_FILE:-} ]]; then
            [[ -r $RENDER_ENV_FILE ]] || fail "RENDER_ENV_FILE not readable: $RENDER_ENV_FILE"
            set -a # every NAME=value line becomes an exported setting for render-nginx.sh
            # shellcheck disable=SC1090  # the operator's own settings file
            . "$RENDER_ENV_FILE"
            set +a
        fi
        APP_UPSTREAM="$*" "$script_dir/render-nginx.sh" "$NGINX_DIR" >/dev/null
    )
}

# wait_gone "PID...": a reload starts new workers and lets the old ones finish what they serve, then they exit;
# only once they are gone does no request go to the old upstream any more.
wait_gone() {
    local pid alive
    for (( waited = 0; waited < STOP_TIMEOUT * 10; waited++ )); do
        alive=0
        for pid in $1; do
            [[ -e /proc/$pid ]] && alive=1 # not kill -0: the workers may run as another user
        done
        (( alive )) || return 0
        sleep 0.1
    done
    say "warning: old Nginx workers still running after ${STOP_TIMEOUT} s (long requests); going on"
}

# --- Releases ------------------------------------------------------------------------------------

# install_release: with NEW_JAR set, copies it to RELEASES_DIR/VERSION/ and moves the JAR symlink to it at once
# (a new symlink renamed over the old one: there is no moment without a jar).
install_release() {
    [[ -n ${NEW_JAR:-} ]] || return 0
    [[ -r $NEW_JAR ]] || fail "NEW_JAR not readable: $NEW_JAR"
    [[ ! -e $JAR || -L $JAR ]] || fail "JAR=$JAR is a file, not a symlink: move it to $RELEASES_DIR/<version>/ and link it"
    local version=${VERSION:-$(sha256sum "$NEW_JAR" | cut -c1-12)}
    mkdir -p "$RELEASES_DIR/$version"
    install -m 0644 "$NEW_JAR" "$RELEASES_DIR/$version/roundtrip.jar"
    ln -sfn "$RELEASES_DIR/$version/roundtrip.jar" "$JAR.next"
    mv -T "$JAR.next" "$JAR"
    say "release $version installed: $JAR -> $RELEASES_DIR/$version/roundtrip.jar"
}

# --- The two procedures ----------------------------------------------------------------------------

# preflight PORT...: one clear line for what would stop the upgrade half-way, before anything changes.
preflight() {
    local port
    case $UPGRADE_MODE in systemd | process) ;; *) fail "UPGRADE_MODE must be systemd or process, got '$UPGRADE_MODE'" ;; esac
    for port in "$@"; do
        is_port "$port" || fail "a port must be a number from 1 to 65535, got '$port'"
    done
    command -v curl >/dev/null || fail "curl is missing: sudo apt-get install -y curl"
    [[ $UPGRADE_MODE == systemd || -n ${NEW_JAR:-} || -r $JAR ]] || fail "JAR not readable: $JAR (set JAR or NEW_JAR)"
}

# abandon_new: the EXIT trap of a hand-over not yet switched: stops the new version on abandon_port.
abandon_new() {
    local rc=$?
    trap - EXIT
    say "the hand-over did not finish: stopping the new version on port $abandon_port; the old one serves on"
    stop_instance "$abandon_port" || true
    # The files on disk may already name the new port (rendered, then nginx -t or the reload failed): put the
    # old one back, or the next start or reload of Nginx would send every request to the stopped version.
    if [[ -n ${abandon_upstream:-} ]] && ! render_for "$abandon_upstream"; then
        say "warning: could not render $NGINX_DIR back to $abandon_upstream; re-render it before Nginx restarts"
    fi
    exit "$rc"
}

# handover OLD_PORT NEW_PORT: see the usage at the top.
handover() {
    local old=$1 new=$2
    [[ $old != "$new" ]] || fail "OLD_PORT and NEW_PORT must differ, both are $old"
    preflight "$old" "$new"
    [[ -z ${RENDER_ENV_FILE:-} || -r $RENDER_ENV_FILE ]] ||
        fail "RENDER_ENV_FILE not readable: $RENDER_ENV_FILE — give the settings the site was rendered with" \
            "(deploy/render-site.sh writes /etc/roundtrip/render.env); nothing was started or changed"
    curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$old/api/ready" 2>/dev/null ||
        fail "no ready app on 127.0.0.1:$old (OLD_PORT): nothing to hand over from"
    ! curl -sS -o /dev/null --max-time 2 "http://127.0.0.1:$new/api/health" 2>/dev/null ||
        fail "port $new (NEW_PORT) already answers: pick a free port (the next upgrade goes back to $old)"
    if [[ $UPGRADE_MODE == systemd ]]; then
        systemctl show -p Environment --value "roundtrip@$new" | grep -qw 'DATA_DIR_HANDOVER=on' ||
            fail "roundtrip@$new does not set DATA_DIR_HANDOVER=on: add Environment=DATA_DIR_HANDOVER=on to roundtrip@.service"
    fi
    nginx_master >/dev/null
    install_release
    say "starting the new version on port $new beside the old one on $old"
    start_instance "$new" on
    # Until Nginx has switched, a failure (render, nginx -t, reload) stops the new version again: it must not
    # stay beside the old one, holding the successor's lock so that the next attempt and any restore are refused.
    abandon_port=$new
    trap abandon_new EXIT
    if ! wait_ready "$new"; then
        fail "the new version on port $new did not become ready within ${READY_TIMEOUT} s; the old one on $old serves on, Nginx unchanged (see its log)"
    fi
    say "port $new is ready; switching Nginx to it"
    abandon_upstream=127.0.0.1:$old
    switch_nginx "127.0.0.1:$new"
    trap - EXIT
    say "Nginx sends every request to port $new; stopping the old version on $old (it drains first)"
    stop_instance "$old"
    if [[ $UPGRADE_MODE == systemd ]]; then
        systemctl enable --quiet "roundtrip@$new" && systemctl disable --quiet "roundtrip@$old" # a reboot starts the new one
    fi
    say "done: port $new serves alone and holds DATA_DIR; the next upgrade: scripts/upgrade.sh handover $new $old"
}

# another_ready PORT PORT...: true when a replica other than the first PORT answers /api/ready.
another_ready() {
    local port=$1 other
    shift
    for other in "$@"; do
        [[ $other == "$port" ]] && continue
        curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$other/api/ready" 2>/dev/null && return 0
    done
    return 1
}

# rolling PORT...: see the usage at the top.
rolling() {
    local port first=1
    preflight "$@"
    # Stopping the only replica (or the same one named twice) is a stop, not a rolling restart.
    (( $(printf '%s\n' "$@" | sort -u | wc -l) == $# )) || fail "a port is named twice in: $*"
    (( $# >= 2 )) || fail "rolling needs at least two replicas (one serves while the other restarts), got only $1;" \
        "with SQLite use: upgrade.sh handover $1 NEW_PORT"
    install_release
    for port in "$@"; do
        if (( ! first )); then
            sleep "$ROLLING_PAUSE" # Nginx uses the replica restarted last again before the next one goes
        fi
        first=0
        another_ready "$port" "$@" ||
            fail "no replica but the one on port $port is ready: stopping it would leave none; start the others first"
        say "restarting the replica on port $port (it drains; Nginx sends new requests to the others)"
        stop_instance "$port"
        start_instance "$port" off
        wait_ready "$port" ||
            fail "the replica on port $port did not become ready within ${READY_TIMEOUT} s; the ones not yet restarted serve on (see its log)"
    done
    say "done: $# replicas restarted, one at a time"
}

case ${1:-} in
    handover) [[ $# -eq 3 ]] || fail "usage: upgrade.sh handover OLD_PORT NEW_PORT"; handover "$2" "$3" ;;
    rolling) [[ $# -ge 2 ]] || fail "usage: upgrade.sh rolling PORT..."; shift; rolling "$@" ;;
    *) fail "usage: upgrade.sh handover OLD_PORT NEW_PORT | upgrade.sh rolling PORT... (see the comment at its top)" ;;
esac
