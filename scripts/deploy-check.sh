#!/usr/bin/env bash
# `make deploy-check`: proves the single-server deployment under deploy/ without a server. As root:
#   1. deploy/install.sh --root into a temp directory (the host's /usr bind-mounted read-only into it);
#   2. `nginx -t` on the site it rendered (inside the root, with chroot), production values checked; a second
#      render-site.sh keeps the site's app servers (8001 after a hand-over);
#   3. `systemd-analyze verify` on every installed unit: any word it prints fails the check;
#   4. `systemd-analyze security --offline` on each service: its exposure score, against a threshold and
#      against the table in docs/deploy.md (and docs/ko/deploy.md, whose commands must be the English ones);
#   5. the units' own command lines run: check-data-dir.sh, the app as user `roundtrip` with the environment of
#      roundtrip@8000 (the unit install.sh enables), deploy/check-exposure.sh 8000 18000 against it (and against
#      an app bound to 0.0.0.0: must fail),
#      roundtrip-backup's backup and prune;
#      the installed Nginx in front of it (HTTPS, HSTS, the 301, a log rotation with its USR1);
#   6. deploy/firewall/roundtrip.nft: from another network namespace, 443 answers and 8000 does not.
# Everything runs in private mount, network and PID namespaces (ports 80/443/8000/18000 are its own, nothing is
# reachable from outside, no process outlives it), bounded in time; the temp directory is removed on exit.
set -euo pipefail

fail() { echo "deploy-check.sh: FAIL: $*" >&2; exit 1; }
say() { echo "deploy-check.sh: $*"; }

repo_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
units=(roundtrip.service roundtrip@8000.service roundtrip-nginx.service roundtrip-backup.service roundtrip-backup.timer)
# Highest exposure allowed per service (systemd-analyze's 0.0-10.0 scale). Seen with systemd 252: 1.1, 1.1,
# 2.4, 0.8 — Nginx's master needs root and capabilities to bind 80/443 and start its workers as nobody.
declare -A max_exposure=([roundtrip.service]=1.5 [roundtrip@8000.service]=1.5 [roundtrip-nginx.service]=3.0
    [roundtrip-backup.service]=1.0)

# --- Outside: a temp directory, then this script again inside new namespaces -------------------------------
if [[ ${1:-} != --inside ]]; then
    [[ $(id -u) -eq 0 ]] || fail "needs root (chroot, mount and network namespaces): sudo make deploy-check"
    [[ -f $repo_dir/target/roundtrip.jar ]] || fail "no target/roundtrip.jar: make build"
    work=$(mktemp -d /tmp/deploy-check.XXXXXX)
    # Removed out here, where the bind mounts (only inside the namespace) are empty directories.
    trap 'rm -rf "$work"' EXIT
    chmod 0755 "$work"                  # the app runs as the root's `roundtrip` user: it must get through
    # --pid: this script is the namespace's first process; when it ends, the kernel ends all it started.
    timeout 300 unshare --mount --net --pid --fork --mount-proc "${BASH_SOURCE[0]}" --inside "$work"
    exit 0
fi

work=$2
root=$work/root
app_unit=roundtrip@8000.service         # the app unit install.sh enables (scripts/upgrade.sh hands it over)
pids=()
# shellcheck disable=SC2317  # called by the trap
stop_apps() { local pid; for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done; }
trap stop_apps EXIT

# make_root: an empty system root holding the host's programs, as a fresh server holds Debian's packages.
make_root() {
    mount --make-rprivate /
    mkdir -p "$root"/{usr,dev,proc,tmp,etc}
    chmod 1777 "$root/tmp"
    local link
    for link in bin sbin lib lib64; do ln -s "usr/$link" "$root/$link"; done  # Debian 12's merged /usr
    mount --bind /usr "$root/usr" && mount -o remount,bind,ro "$root/usr"
    local dev
    for dev in null zero urandom; do touch "$root/dev/$dev"; mount --bind "/dev/$dev" "$root/dev/$dev"; done
    mount -t proc proc "$root/proc"
    ln -s /proc/self/fd "$root/dev/fd"   # bash's <(...) reads /dev/fd/N
    cp -a /etc/alternatives "$root/etc/"  # /usr/bin/java → /etc/alternatives/java → the JDK
    getent passwd root nobody >"$root/etc/passwd"   # a fresh Debian has these; sysusers adds `roundtrip`
    getent group root nogroup adm >"$root/etc/group"
    ip link set lo up
}

# check_site: the rendered site passes nginx -t where it will run, with the production values in it.
check_site() {
    chroot "$root" nginx -q -t -e stderr -p /etc/roundtrip/nginx/ -c /etc/roundtrip/nginx/nginx.conf ||
        fail "nginx -t refuses the site install.sh rendered"
    local conf=$root/etc/roundtrip/nginx/conf.d/roundtrip.conf
    grep -qE 'listen 443 ssl' "$conf" || fail "the site does not listen on 443"
    grep -qE 'listen 80 ' "$conf" || fail "the site does not listen on 80"
    grep -rqF 'max-age=63072000' "$root/etc/roundtrip/nginx/" || fail "HSTS max-age is not 63072000 in production"
    grep -qF 'access_log /var/log/roundtrip-nginx/access.log' "$root/etc/roundtrip/nginx/nginx.conf" ||
        fail "the access log is not in /var/log/roundtrip-nginx (where logrotate looks)"
    grep -qx 'HSTS_MAX_AGE=63072000' "$root/etc/roundtrip/render.env" ||
        fail "render-site.sh did not record its settings in /etc/roundtrip/render.env (scripts/upgrade.sh reads them)"
    say "ok: nginx -t accepts the production site (443, 80, HSTS 2 years, logs in /var/log/roundtrip-nginx)"
}

# check_render_keeps_upstream: render-site.sh without APP_UPSTREAM keeps the app servers the site names (after
# `upgrade.sh handover 8000 8001` that is 8001), so a new certificate or a re-run of install.sh does not send
# the traffic back to a stopped port; and render.env, upgrade.sh's RENDER_ENV_FILE, leaves APP_UPSTREAM out.
check_render_keeps_upstream() {
    local conf=$root/etc/roundtrip/nginx/conf.d/roundtrip.conf
    chroot "$root" env APP_UPSTREAM=127.0.0.1:8001 /opt/roundtrip/bin/render-site.sh roundtrip.example.com >/dev/null ||
        fail "render-site.sh with APP_UPSTREAM=127.0.0.1:8001 failed"
    chroot "$root" env -u APP_UPSTREAM /opt/roundtrip/bin/render-site.sh roundtrip.example.com >/dev/null ||
        fail "render-site.sh failed on a second run"
    grep -q 'server 127.0.0.1:8001 ' "$conf" || fail "render-site.sh without APP_UPSTREAM moved the site off 127.0.0.1:8001"
    if grep -q '^APP_UPSTREAM=' "$root/etc/roundtrip/render.env"; then
        fail "render.env names APP_UPSTREAM: upgrade.sh sets it, a stale one there would mislead"
    fi
    chroot "$root" env APP_UPSTREAM=127.0.0.1:8000 /opt/roundtrip/bin/render-site.sh roundtrip.example.com >/dev/null
    say "ok: render-site.sh keeps the site's app servers (8001 after a hand-over) when APP_UPSTREAM is not given"
}

# verify_units: systemd-analyze verify prints warnings yet exits 0, so any output is a failure. A unit with a
# mistake in it must be caught, or this check proves nothing.
verify_units() {
    local out
    out=$(systemd-analyze verify --root="$root" "${units[@]}" 2>&1) || true
    [[ -z $out ]] || fail "systemd-analyze verify: $out"
    sed 's/^ProtectHome=yes/ProtectHom=yes/' "$root/etc/systemd/system/roundtrip.service" \
        >"$root/etc/systemd/system/roundtrip-typo.service"
    out=$(systemd-analyze verify --root="$root" roundtrip-typo.service 2>&1) || true
    rm "$root/etc/systemd/system/roundtrip-typo.service"
    [[ $out == *"Unknown key 'ProtectHom'"* ]] || fail "verify did not catch a misspelt key (got: '$out')"
    say "ok: systemd-analyze verify is silent on ${units[*]} (and catches a misspelt key)"
}

# score_units: the exposure of each service, printed; above its threshold fails.
score_units() {
    local unit line score
    for unit in "${!max_exposure[@]}"; do
        line=$(systemd-analyze security --root="$root" --offline=true "$unit" 2>&1 | grep 'Overall exposure level') ||
            fail "systemd-analyze security printed no score for $unit"
        score=$(sed -E 's/.*: ([0-9.]+) .*/\1/' <<<"$line")
        awk -v s="$score" -v m="${max_exposure[$unit]}" 'BEGIN { exit !(s <= m) }' ||
            fail "$unit: exposure $score is above ${max_exposure[$unit]} (systemd-analyze security --offline=true $unit)"
        say "exposure $unit: $score (at most ${max_exposure[$unit]})"
        local doc
        for doc in docs/deploy.md docs/ko/deploy.md; do  # the docs show the scores: they must be the ones seen
            grep -qF "| \`$unit\` | $score " "$repo_dir/$doc" ||
                fail "$doc's table of scores does not say $unit: $score (the measured exposure): update it"
        done
    done
}

# unit_env UNIT: the Environment= settings of an installed unit, one NAME=VALUE per line; for an instance of a
# template (roundtrip@8000.service) those of the template with %i replaced by the instance name, as systemd does.
unit_env() {
    local file=$1 instance=""
    if [[ $1 == *@?*.service ]]; then
        instance=${1#*@} instance=${instance%.service} file=${1%%@*}@.service
    fi
    sed -nE 's/^Environment="?([A-Z_]+=[^"]*)"?$/\1/p' "$root/etc/systemd/system/$file" | sed "s/%i/$instance/g"
}

# unit_command UNIT KEY: KEY's command line (ExecStart, ExecStartPre...) as systemd would run it here:
# /opt/roundtrip inside the root, ${VAR} and $VAR from the environment given (systemd splits $VAR on spaces).
unit_command() {
    local line
    local file=$1
    [[ $file != *@?*.service ]] || file=${1%%@*}@.service   # an instance's commands are its template's
    line=$(grep -m1 "^$2=" "$root/etc/systemd/system/$file") || fail "$1 has no $2="
    line=${line#"$2"=}
    line=${line//\/opt\/roundtrip\//$root\/opt\/roundtrip\/}
    local name
    for name in DATA_DIR JAVA_OPTS BACKUP_KEEP; do
        line=${line//\$\{$name\}/${!name:-}}
        line=${line//\$$name/${!name:-}}
    done
    echo "$line"
}

# as_roundtrip CMD...: runs CMD as the root's `roundtrip` user (exec: a background one keeps its pid).
as_roundtrip() {
    local uid gid
    uid=$(awk -F: '$1 == "roundtrip" { print $3 }' "$root/etc/passwd")
    gid=$(awk -F: '$1 == "roundtrip" { print $4 }' "$root/etc/passwd")
    [[ -n $uid ]] || fail "install.sh created no user roundtrip"
    exec setpriv --reuid="$uid" --regid="$gid" --clear-groups "$@"
}

# check_data_dir: a missing data directory is one line naming the fix; the installed one passes.
check_data_dir() {
    local cmd out
    cmd=$(DATA_DIR=/nonexistent/roundtrip unit_command "$app_unit" ExecStartPre)
    # shellcheck disable=SC2086  # the command line is split into words, as systemd does
    if out=$(as_roundtrip $cmd 2>&1); then fail "check-data-dir.sh accepted a missing directory"; fi
    [[ $out == *"does not exist; create it with: sudo systemd-tmpfiles --create"* && $(wc -l <<<"$out") -eq 1 ]] ||
        fail "check-data-dir.sh's message for a missing directory: '$out'"
    cmd=$(DATA_DIR=$root/var/lib/roundtrip unit_command "$app_unit" ExecStartPre)
    # shellcheck disable=SC2086
    (as_roundtrip $cmd) || fail "check-data-dir.sh refuses the directory install.sh made"
    say "ok: without its data directory the unit stops with: $out"
}

# start_app HOST: the app as the installed roundtrip@8000 starts it (its environment, its command), APP_HOST=HOST.
start_app() {
    local cmd
    cmd=$(DATA_DIR=$root/var/lib/roundtrip JAVA_OPTS=$(unit_env "$app_unit" | sed -n 's/^JAVA_OPTS=//p') \
        unit_command "$app_unit" ExecStart)
    # shellcheck disable=SC2086,SC2046  # split into words as systemd does
    as_roundtrip env -i PATH=/usr/bin:/bin $(unit_env "$app_unit" | grep -v '^JAVA_OPTS=') \
        DATA_DIR="$root/var/lib/roundtrip" APP_HOST="$1" $cmd >"$work/app.log" 2>&1 &
    pids+=($!)
    local deadline=$((SECONDS + 60))
    until curl -fsS -o /dev/null http://127.0.0.1:8000/api/health 2>/dev/null; do
        kill -0 "${pids[-1]}" 2>/dev/null || { tail -n 20 "$work/app.log" >&2; fail "the app exited at start"; }
        (( SECONDS < deadline )) || fail "the app did not answer /api/health within 60 s"
        sleep 0.3
    done
}

stop_last_app() {
    kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true
    unset 'pids[-1]'
}

# check_edge: the installed Nginx (as roundtrip-nginx.service runs it, inside the root) in front of the app:
# HTTPS on 443 with the production HSTS, the 301 on 80, and logrotate's USR1 making Nginx write a new file.
check_edge() {
    chroot "$root" nginx -e stderr -p /etc/roundtrip/nginx/ -c /etc/roundtrip/nginx/nginx.conf &
    pids+=($!)
    # https PATH [CURL_ARGS...]: a request to the site by its name (the self-signed certificate: -k).
    https() { curl -sk --resolve roundtrip.example.com:443:127.0.0.1 "https://roundtrip.example.com$1" "${@:2}"; }
    local deadline=$((SECONDS + 20))
    until https /api/health -o /dev/null -f; do
        (( SECONDS < deadline )) || fail "the installed Nginx did not proxy https://…/api/health to the app within 20 s"
        sleep 0.2
    done
    https / -D - -o /dev/null | grep -qi '^strict-transport-security: max-age=63072000' ||
        fail "https://roundtrip.example.com/ does not send HSTS max-age=63072000"
    [[ $(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1/) == 301 ]] || fail "http://…/ is not a 301 to HTTPS"
    check_acme_webroot
    local log=$root/var/log/roundtrip-nginx/access.log
    sleep 1.2                           # access_log ... flush=1s
    [[ -s $log ]] || fail "no request in $log"
    chroot "$root" logrotate -f -s /tmp/logrotate.state /etc/logrotate.d/roundtrip-nginx ||
        fail "logrotate refuses /etc/logrotate.d/roundtrip-nginx"
    [[ -s $log.1 ]] || fail "logrotate did not rotate access.log into access.log.1"
    https /api/health -o /dev/null
    deadline=$((SECONDS + 5))
    until [[ -s $log ]]; do             # written only once Nginx reopened its logs (USR1, postrotate)
        (( SECONDS < deadline )) || fail "after logrotate, Nginx did not write to the new access.log (postrotate USR1)"
        sleep 0.2
    done
    kill -QUIT "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true
    unset 'pids[-1]'
    say "ok: the installed Nginx serves https with HSTS 2 years, 301s port 80, and reopens its log after logrotate"
}

# check_acme_webroot: a file certbot --webroot would write to /var/lib/roundtrip-acme is served on port 80 by the
# workers (user nobody: the directory's mode 0755 from tmpfiles.d matters). Only once the templates have the
# ACME location (the acme branch of issue 19); until then it says so.
check_acme_webroot() {
    if ! grep -q 'acme-challenge' "$root/etc/roundtrip/nginx/conf.d/roundtrip.conf"; then
        say "note: ACME webroot not checked: the Nginx templates have no /.well-known/acme-challenge/ location yet"
        return
    fi
    local dir=$root/var/lib/roundtrip-acme/.well-known/acme-challenge token=token-$$-$RANDOM
    mkdir -p "$dir" && echo "$token" >"$dir/check"
    [[ $(curl -s -H 'Host: roundtrip.example.com' http://127.0.0.1/.well-known/acme-challenge/check) == "$token" ]] ||
        fail "http://roundtrip.example.com/.well-known/acme-challenge/ does not serve files from /var/lib/roundtrip-acme"
    rm -r "$root/var/lib/roundtrip-acme/.well-known"
    say "ok: port 80 serves certbot's challenge files from /var/lib/roundtrip-acme"
}

# check_exposure: with the unit's APP_HOST the check passes; bound to 0.0.0.0 it must fail. The ports as
# docs/deploy.md names them for roundtrip@8000: the app's and its metrics' (1%i).
check_exposure() {
    start_app 127.0.0.1
    "$repo_dir/deploy/check-exposure.sh" 8000 18000 || fail "check-exposure.sh 8000 18000 refused the app as the unit runs it"
    check_edge
    check_backup
    stop_last_app
    start_app 0.0.0.0
    if "$repo_dir/deploy/check-exposure.sh" 8000 18000 2>"$work/exposure.err"; then
        fail "check-exposure.sh passed with the app listening on 0.0.0.0:8000"
    fi
    grep -q 'EXPOSED: port 8000' "$work/exposure.err" || fail "check-exposure.sh: $(cat "$work/exposure.err")"
    stop_last_app
    say "ok: check-exposure.sh passes the unit's app, and fails one on 0.0.0.0 ($(head -n 1 "$work/exposure.err"))"
}

# check_backup: roundtrip-backup's commands beside the running app, three times, keeping two.
check_backup() {
    local cmd post i
    cmd=$(DATA_DIR=$root/var/lib/roundtrip JAVA_OPTS=$(unit_env roundtrip-backup.service | sed -n 's/^JAVA_OPTS=//p') \
        unit_command roundtrip-backup.service ExecStart)
    post=$(DATA_DIR=$root/var/lib/roundtrip BACKUP_KEEP=2 unit_command roundtrip-backup.service ExecStartPost)
    for i in 1 2 3; do
        # shellcheck disable=SC2086
        (as_roundtrip env -i PATH=/usr/bin:/bin DATA_DIR="$root/var/lib/roundtrip" $cmd >/dev/null) ||
            fail "roundtrip-backup's ExecStart failed (run $i)"
        sleep 1                         # backup names are stamped to the second
    done
    # shellcheck disable=SC2086
    (as_roundtrip $post)
    local left
    left=$(find "$root/var/lib/roundtrip/backups" -name 'roundtrip-*.db' | wc -l)
    (( left == 2 )) || fail "after 3 backups with BACKUP_KEEP=2, $left are left"
    say "ok: three backups beside the running app, the oldest pruned (BACKUP_KEEP=2 keeps 2)"
}

# check_template_alike: roundtrip@.service's [Service] is roundtrip.service's but for the port lines and the
# hand-over setting (upgrades start a second instance beside the first).
check_template_alike() {
    local dir=$repo_dir/deploy/systemd
    # only_service UNIT: its settings from [Service] on, less the lines that differ on purpose.
    only_service() {
        sed -n '/^\[Service\]/,$p' "$dir/$1" | grep -vE '^(#|$|Environment=(APP|METRICS)_PORT=|Environment=DATA_DIR_HANDOVER=|EnvironmentFile=-/etc/roundtrip/roundtrip@)'
    }
    diff <(only_service roundtrip.service) <(only_service roundtrip@.service) >"$work/alike.diff" ||
        fail "roundtrip.service and roundtrip@.service differ beyond the port: $(cat "$work/alike.diff")"
    say "ok: roundtrip@.service has the same sandbox and settings as roundtrip.service"
}

# check_firewall: deploy/firewall/roundtrip.nft, loaded here, lets a client on another network namespace reach
# 443 but not 8000 (both listening on every address); without the rules it reaches both, so the test can fail.
check_firewall() {
    unshare --net sleep 120 &            # the client: a network namespace of its own, held by this process
    local client=$!
    pids+=("$client")
    sleep 0.2
    ip link add rt-server type veth peer name rt-client netns "$client"
    ip addr add 192.0.2.1/24 dev rt-server && ip link set rt-server up
    nsenter -t "$client" -n sh -c 'ip addr add 192.0.2.2/24 dev rt-client && ip link set rt-client up'
    local port
    for port in 443 8000; do
        /usr/bin/python3 -m http.server --bind 0.0.0.0 "$port" >/dev/null 2>&1 &
        pids+=($!)
    done
    # reaches PORT: an HTTP answer from 192.0.2.1:PORT, seen from the client, within 2 s.
    reaches() { nsenter -t "$client" -n curl -s -m 2 -o /dev/null "http://192.0.2.1:$1/"; }
    local deadline=$((SECONDS + 10))
    until reaches 443 && reaches 8000; do
        (( SECONDS < deadline )) || fail "without a firewall the client cannot reach 443 and 8000 (test set-up)"
        sleep 0.2
    done
    nft -f "$repo_dir/deploy/firewall/roundtrip.nft" || fail "nft refuses deploy/firewall/roundtrip.nft"
    nft -f "$repo_dir/deploy/firewall/roundtrip.nft" || fail "deploy/firewall/roundtrip.nft cannot be loaded twice"
    reaches 443 || fail "with the firewall loaded, 443 is not reachable from outside"
    if reaches 8000; then fail "with the firewall loaded, 8000 is still reachable from outside"; fi
    say "ok: with deploy/firewall/roundtrip.nft a client elsewhere reaches 443, not 8000 (it reached both before)"
}

# check_docs_alike: the Korean deploy guide has the English one's sections and, character for character, its
# commands (one set of commands to keep right; the tests above run them).
check_docs_alike() {
    # code_blocks FILE: the text of every ``` block; sections FILE: how many ## headings.
    code_blocks() { awk '/^```/ { inside = !inside; print "----"; next } inside' "$repo_dir/$1"; }
    sections() { grep -c '^## ' "$repo_dir/$1"; }
    diff <(code_blocks docs/deploy.md) <(code_blocks docs/ko/deploy.md) >"$work/docs.diff" ||
        fail "docs/ko/deploy.md's commands differ from docs/deploy.md's: $(head -n 5 "$work/docs.diff")"
    [[ $(sections docs/deploy.md) == "$(sections docs/ko/deploy.md)" ]] ||
        fail "docs/deploy.md and docs/ko/deploy.md have different numbers of sections"
    say "ok: docs/ko/deploy.md has docs/deploy.md's $(sections docs/deploy.md) sections and the same commands"
}

make_root
"$repo_dir/deploy/install.sh" --root "$root" --domain roundtrip.example.com >"$work/install.log" 2>&1 ||
    { cat "$work/install.log" >&2; fail "deploy/install.sh --root failed"; }
[[ -L $root/etc/systemd/system/multi-user.target.wants/$app_unit ]] || fail "install.sh did not enable $app_unit"
[[ ! -e $root/etc/systemd/system/multi-user.target.wants/roundtrip.service ]] ||
    fail "install.sh enabled roundtrip.service beside $app_unit: both would want port 8000 and the database"
for helper in obtain.sh reload-nginx.sh cert-check.sh render-site.sh; do
    [[ -x $root/opt/roundtrip/bin/$helper ]] || fail "install.sh did not install /opt/roundtrip/bin/$helper (docs/deploy.md names it)"
done
say "ok: deploy/install.sh --root $root enabled $app_unit (log: $(grep -c . "$work/install.log") lines)"
check_site
check_render_keeps_upstream
verify_units
score_units
check_template_alike
check_docs_alike
check_data_dir
check_exposure
check_firewall
say "all checks passed"
