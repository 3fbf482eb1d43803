#!/usr/bin/env bash
# `make acme-test`: a certificate from an ACME server, obtained, served and renewed under load, all offline.
# On loopback: pebble-challtestsrv is the DNS server (roundtrip.test → 127.0.0.1), Pebble (Let's Encrypt's
# test CA) the ACME server, certbot the client with the webroot method, and the real app behind Nginx as
# scripts/render-nginx.sh renders it. Proves: certbot gets a certificate over HTTP-01 through Nginx's HTTP
# port; Nginx serves it and curl verifies the chain against Pebble's root with no -k; a forced renewal under
# load reloads Nginx (deploy/certbot/reload-nginx.sh) with zero failed requests and a new serial; every bad
# input (no or wrong domain, HTTP port unavailable, ACME server unreachable or refusing, a broken config, a
# certificate about to expire) gives one line naming the fix while the site keeps its certificate.
# Bounded (< 2 min) and cleaned up by a trap, also on failure. Needs: target/roundtrip.jar (make build).
set -euo pipefail
cd "$(dirname "$0")/.."
DOMAIN=roundtrip.test
LOAD_WORKERS=${LOAD_WORKERS:-4}

started=$(date +%s)
tmp=$(mktemp -d /tmp/roundtrip-acme.XXXXXX)
chmod 755 "$tmp"                        # Nginx's workers (user nobody, when run as root) must enter it
pids=()

# cleanup: stop everything this script started (Nginx gracefully), show logs if it failed, remove $tmp.
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    touch "$tmp/stop-load"
    [[ -s $tmp/nginx/nginx.pid ]] && kill -QUIT "$(cat "$tmp/nginx/nginx.pid")" 2>/dev/null
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    if (( rc != 0 )); then
        for log in "$tmp"/*.log "$tmp"/nginx/logs/error.log "$tmp"/certbot/logs/letsencrypt.log; do
            [[ -s $log ]] && { echo "--- last lines of ${log#"$tmp"/}:"; tail -n 15 "$log"; }
        done >&2
        echo "acme-test: FAILED after $(( $(date +%s) - started )) s" >&2
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() { echo "acme-test: FAIL: $*" >&2; exit 1; }
step() { echo "acme-test: $*"; }

# wait_for WHAT SECONDS COMMAND...: polls COMMAND every 0.2 s until it succeeds, or fails the test.
wait_for() {
    local what=$1 seconds=$2; shift 2
    local deadline=$(( $(date +%s) + seconds ))
    until "$@" >/dev/null 2>&1; do
        (( $(date +%s) < deadline )) || fail "$what not ready after $seconds s"
        sleep 0.2
    done
}

[[ -r target/roundtrip.jar ]] || fail "no target/roundtrip.jar — run: make build"
read -r -d '' dns_port chall_port acme_port acme_mgmt_port http_port https_port app_port metrics_port closed_port \
    < <(python3 bench/stats.py ports 9) || true
[[ -n $closed_port ]] || fail "could not get 9 free ports from bench/stats.py"

# --- The DNS (challtestsrv), the CA (Pebble), the app and Nginx ------------------------------------------
start_dns() {
    # DNS only: its own HTTP-01/TLS-ALPN-01 answerers are off (Nginx answers), and no default address, so a
    # name we did not add does not resolve (its default would send every name to 127.0.0.1).
    pebble-challtestsrv -management "127.0.0.1:$chall_port" -dns01 "127.0.0.1:$dns_port" \
        -http01 "" -https01 "" -tlsalpn01 "" -defaultIPv4 "" -defaultIPv6 "" >"$tmp/challtestsrv.log" 2>&1 &
    pids+=($!)
    wait_for "challtestsrv" 10 curl -sf -X POST -d "{\"host\":\"$DOMAIN.\",\"addresses\":[\"127.0.0.1\"]}" \
        "http://127.0.0.1:$chall_port/add-a"
}

start_pebble() {
    # Pebble's own HTTPS listener needs a certificate; certbot (REQUESTS_CA_BUNDLE) and curl trust it by file.
    scripts/make-cert.sh "$tmp/pebble-listener" >/dev/null
    cat >"$tmp/pebble.json" <<EOF
{"pebble": {"listenAddress": "127.0.0.1:$acme_port", "managementListenAddress": "127.0.0.1:$acme_mgmt_port",
  "certificate": "$tmp/pebble-listener/localhost.crt", "privateKey": "$tmp/pebble-listener/localhost.key",
  "httpPort": $http_port, "tlsPort": $closed_port, "ocspResponderURL": "", "externalAccountBindingRequired": false}}
EOF
    # NOSLEEP: no random 0-15 s pause before each validation; NONCEREJECT=0: no deliberately refused nonces.
    PEBBLE_VA_NOSLEEP=1 PEBBLE_WFE_NONCEREJECT=0 pebble -config "$tmp/pebble.json" -dnsserver "127.0.0.1:$dns_port" \
        >"$tmp/pebble.log" 2>&1 &
    pids+=($!)
    export REQUESTS_CA_BUNDLE=$tmp/pebble-listener/localhost.crt
    wait_for "Pebble" 10 curl -sf --cacert "$REQUESTS_CA_BUNDLE" "https://127.0.0.1:$acme_port/dir"
    # The root that signs the certificates: generated at each start, published on the management port.
    curl -sf --cacert "$REQUESTS_CA_BUNDLE" -o "$tmp/pebble-root.pem" "https://127.0.0.1:$acme_mgmt_port/roots/0" ||
        fail "no issuing root at Pebble's /roots/0"
}

start_app() {
    # shellcheck disable=SC2086  # JAVA_OPTS is a list of JVM flags, split on purpose
    APP_HOST=127.0.0.1 APP_PORT=$app_port METRICS_PORT=$metrics_port DATA_DIR=$tmp/data \
        java ${JAVA_OPTS:-} -jar target/roundtrip.jar >"$tmp/app.log" 2>&1 &
    pids+=($!)
}

# render_nginx CERT KEY: the project's config for roundtrip.test, with this certificate.
render_nginx() {
    # A high rate limit: the load below comes from one address (the default 100 r/s would answer 429).
    SERVER_NAME=$DOMAIN HTTP_PORT=$http_port HTTPS_PORT=$https_port APP_UPSTREAM=127.0.0.1:$app_port \
        TLS_CERT=$1 TLS_KEY=$2 ACME_WEBROOT=$tmp/acme LISTEN_IPV6=off API_RATE_LIMIT=100000r/s API_RATE_BURST=100000 \
        scripts/render-nginx.sh "$tmp/nginx" >/dev/null 2>&1 || fail "render-nginx.sh failed"
}

start_nginx() {
    scripts/make-cert.sh "$tmp/first-cert" >/dev/null   # self-signed: Nginx must run before a CA can validate
    render_nginx "$tmp/first-cert/localhost.crt" "$tmp/first-cert/localhost.key"
    nginx -p "$tmp/nginx/" -c "$tmp/nginx/nginx.conf" -e "$tmp/nginx/logs/error.log" &
    pids+=($!)
    wait_for "the app behind Nginx" 60 curl -sfk "https://127.0.0.1:$https_port/api/ready"
}

# --- What the site serves ----------------------------------------------------------------------------
# served_serial: the serial of the certificate Nginx presents for roundtrip.test.
served_serial() {
    openssl s_client -connect "127.0.0.1:$https_port" -servername "$DOMAIN" </dev/null 2>/dev/null |
        openssl x509 -noout -serial 2>/dev/null | sed 's/^serial=//'
}
serving() { [[ $(served_serial) == "$1" ]]; }
file_serial() { openssl x509 -in "$1" -noout -serial | sed 's/^serial=//'; }

# verified_health: GET /api/health as a browser would: by name, chain checked against Pebble's root, no -k.
verified_health() {
    curl -sf --cacert "$tmp/pebble-root.pem" --resolve "$DOMAIN:$https_port:127.0.0.1" \
        "https://$DOMAIN:$https_port/api/health" >/dev/null
}

# still_serving SERIAL: the site answers, and still with that certificate.
still_serving() {
    serving "$1" || fail "the served certificate changed (wanted serial $1, got $(served_serial))"
    curl -sfk -o /dev/null "https://127.0.0.1:$https_port/api/health" || fail "the site stopped answering"
}

# --- certbot, through the project's wrapper ----------------------------------------------------------
certbot_dirs=(--config-dir "$tmp/certbot/config" --work-dir "$tmp/certbot/work" --logs-dir "$tmp/certbot/logs")
live=$tmp/certbot/config/live/$DOMAIN

# obtain [DOMAIN...]: deploy/certbot/obtain.sh as the test's server is set up; override its env per call.
obtain() {
    ACME_EMAIL=test@$DOMAIN ACME_SERVER=${ACME_SERVER:-https://127.0.0.1:$acme_port/dir} \
        ACME_WEBROOT=${ACME_WEBROOT:-$tmp/acme} HTTP_PORT=${HTTP_PORT:-$http_port} DNS_SERVER=127.0.0.1:$dns_port \
        NGINX_PREFIX=$tmp/nginx/ NGINX_PID_FILE=$tmp/nginx/nginx.pid TMPDIR=$tmp \
        timeout 60 deploy/certbot/obtain.sh "$@" -- "${certbot_dirs[@]}"
}

# expect_error MESSAGE-PART COMMAND...: COMMAND fails with exactly one line on stderr containing MESSAGE-PART.
expect_error() {
    local want=$1 err; shift
    if err=$("$@" 2>&1 >/dev/null); then fail "expected a failure ('$want'): $*"; fi
    [[ $(wc -l <<<"$err") -eq 1 && $err == *"$want"* ]] || fail "expected one line with '$want', got: $err"
    echo "  ok: ${err:0:160}…"
}

# hostile_challenge_files BASE: only token-shaped names (base64url, RFC 8555 §8.1) are served, always as
# text/plain with nosniff: a page, a hidden file, a subdirectory or a symlink out of the webroot placed
# there by mistake is a 404, never HTML on the site's own name nor a file from elsewhere on the disk.
hostile_challenge_files() {
    local base=$1 dir=$tmp/acme/.well-known/acme-challenge answer path
    mkdir -p "$tmp/outside" "$dir/sub"
    echo outside-secret >"$tmp/outside/secret.txt"
    ln -s "$tmp/outside" "$dir/link"
    ln -s "$tmp/outside/secret.txt" "$dir/linked-token"
    echo '<script>alert(1)</script>' >"$dir/page.html"
    echo hidden >"$dir/.env"
    echo nested >"$dir/sub/file"
    for path in page.html .env sub/file link/secret.txt linked-token; do
        answer=$(curl -s -o /dev/null -w '%{http_code}' -H "Host: $DOMAIN" "$base/.well-known/acme-challenge/$path")
        [[ $answer == 404 ]] || fail "GET /.well-known/acme-challenge/$path on the HTTP port answered $answer, not 404"
    done
    printf token-body >"$dir/Tok_en-1"
    answer=$(curl -s -D - -o /dev/null -H "Host: $DOMAIN" "$base/.well-known/acme-challenge/Tok_en-1" | tr -d '\r')
    grep -qix 'x-content-type-options: nosniff' <<<"$answer" || fail "a challenge file came without nosniff: $answer"
    rm -rf "$tmp/outside" "$dir/sub" "$dir/link" "$dir/linked-token" "$dir/page.html" "$dir/.env" "$dir/Tok_en-1"
}

# http_port_checks: the HTTP port serves challenge files as plain text, 404s the rest of that path (no
# listing, no redirect), and still redirects everything else to HTTPS.
http_port_checks() {
    local base=http://127.0.0.1:$http_port answer
    printf token-body >"$tmp/acme/.well-known/acme-challenge/test-token"
    answer=$(curl -s -H "Host: $DOMAIN" -w ' %{http_code} %{content_type}' "$base/.well-known/acme-challenge/test-token")
    [[ $answer == "token-body 200 text/plain"* ]] || fail "a challenge file was served as: $answer"
    rm "$tmp/acme/.well-known/acme-challenge/test-token"
    hostile_challenge_files "$base"
    for path in /.well-known/acme-challenge/missing /.well-known/acme-challenge/; do
        answer=$(curl -s -o /dev/null -w '%{http_code}' -H "Host: $DOMAIN" "$base$path")
        [[ $answer == 404 ]] || fail "GET $path on the HTTP port answered $answer, not 404"
    done
    answer=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' -H "Host: $DOMAIN" "$base/api/health?x=1")
    [[ $answer == "301 https://$DOMAIN:$https_port/api/health?x=1" ]] || fail "the HTTP port's redirect is now: $answer"
    step "HTTP port: challenge files as text/plain, 404 for missing ones and the directory, 301 for the rest"
}

first_issuance() {
    obtain "$DOMAIN" >/dev/null || fail "the first certificate was not issued"
    [[ -s $live/fullchain.pem && -s $live/privkey.pem ]] || fail "certbot left no $live/fullchain.pem"
    # Nginx was started with the self-signed one: render it with certbot's live/ paths (symlinks that each
    # renewal moves to the new files), then reload through the deploy hook.
    render_nginx "$live/fullchain.pem" "$live/privkey.pem"
    NGINX_PREFIX=$tmp/nginx/ NGINX_PID_FILE=$tmp/nginx/nginx.pid deploy/certbot/reload-nginx.sh >/dev/null
    issued_serial=$(file_serial "$live/cert.pem")
    wait_for "the issued certificate on Nginx" 10 serving "$issued_serial"
    verified_health || fail "curl could not verify https://$DOMAIN:$https_port/ against Pebble's root"
    step "issued: serial $issued_serial, served by Nginx, verified against Pebble's root without -k"
}

bad_inputs() {
    local serial; serial=$(served_serial)
    step "bad input, each one line naming the fix, the site keeping serial $serial:"
    expect_error "no domain given" obtain
    expect_error "does not resolve" obtain "nowhere.$DOMAIN"
    ACME_PREFLIGHT=0 expect_error "certbot got no certificate for nowhere.$DOMAIN" obtain "nowhere.$DOMAIN"
    HTTP_PORT=$closed_port expect_error "nothing answers on port $closed_port" obtain "$DOMAIN"
    mkdir -p "$tmp/not-the-webroot"
    ACME_WEBROOT=$tmp/not-the-webroot expect_error "without the probe file" obtain "$DOMAIN"
    ACME_SERVER=https://127.0.0.1:$closed_port/dir expect_error "cannot reach the ACME server" obtain "$DOMAIN"
    ACME_SERVER=https://127.0.0.1:$acme_port/no-directory \
        expect_error "answered HTTP 404 but no ACME directory" obtain "$DOMAIN"
    # A config Nginx cannot load: the hook refuses it and the running Nginx is not signalled.
    sed 's/^events {/events { not_a_directive;/' "$tmp/nginx/nginx.conf" >"$tmp/nginx/broken.conf"
    NGINX_PREFIX=$tmp/nginx/ NGINX_CONF=$tmp/nginx/broken.conf NGINX_PID_FILE=$tmp/nginx/nginx.pid \
        expect_error "refusing to reload, nginx -t failed" deploy/certbot/reload-nginx.sh
    expiry_checks
    still_serving "$serial"
}

# expiry_checks: scripts/cert-check.sh on the live certificate (Pebble's live 5 years) and a 2-day one.
expiry_checks() {
    local line
    line=$(scripts/cert-check.sh "$live/fullchain.pem" 30) || fail "cert-check.sh: a 5-year certificate is not due: $line"
    [[ $line == "certificate for $DOMAIN expires in "*" days (on "* ]] || fail "cert-check.sh said: $line"
    openssl req -x509 -new -noenc -days 2 -subj "/CN=$DOMAIN" -addext "subjectAltName=DNS:$DOMAIN" \
        -newkey ec -pkeyopt ec_paramgen_curve:P-256 -keyout "$tmp/short.key" -out "$tmp/short.crt" 2>/dev/null
    if line=$(scripts/cert-check.sh "$tmp/short.crt" 30); then fail "cert-check.sh passed a 2-day certificate: $line"; fi
    [[ $line =~ ^certificate\ for\ $DOMAIN\ expires\ in\ [12]\ days\ \(on\ .*\)\ —\ renew\ with:\ certbot\ renew$ ]] ||
        fail "cert-check.sh said: $line"
    echo "  ok: $line"
    # DAYS as an operator writes it: "08" is 8 days, not an octal error that skips the check and says "ok".
    if line=$(scripts/cert-check.sh "$tmp/short.crt" 08 2>&1); then fail "cert-check.sh passed a 2-day certificate with DAYS=08: $line"; fi
    [[ $line == "certificate for $DOMAIN expires in "* ]] || fail "cert-check.sh with DAYS=08 said: $line"
    expect_error "DAYS must be" scripts/cert-check.sh "$tmp/short.crt" 99999999999999999999
    expect_error "no certificate at" scripts/cert-check.sh "$tmp/missing.pem"
}

# load_worker N: HTTPS GETs over kept-alive connections (20 per curl), gzip asked, until stop-load appears
# or 60 s pass; one status code per request into load-N.txt (000 = no answer).
load_worker() {
    local n=$1 urls=() deadline=$(( $(date +%s) + 60 ))
    for _ in $(seq 10); do   # each URL with its own -o: curl pairs them in order
        urls+=("https://$DOMAIN:$https_port/api/health" -o /dev/null "https://$DOMAIN:$https_port/" -o /dev/null)
    done
    while [[ ! -e $tmp/stop-load ]] && (( $(date +%s) < deadline )); do
        curl -s --cacert "$tmp/pebble-root.pem" --resolve "$DOMAIN:$https_port:127.0.0.1" -H 'Accept-Encoding: gzip' \
            -w '%{http_code}\n' "${urls[@]}" >>"$tmp/load-$n.txt" 2>/dev/null || true
    done
}

renewal_under_load() {
    local n load_pids=() before sent failed
    before=$(served_serial)
    for n in $(seq "$LOAD_WORKERS"); do load_worker "$n" & load_pids+=($!); done
    sleep 1                             # the load is running before the renewal starts
    # `certbot renew` as certbot.timer runs it: the deploy hook and the webroot come from the renewal config
    # certbot saved at the first issuance. NGINX_* reach the hook through the environment. Without a terminal
    # certbot renew first sleeps up to 8 minutes at random (spreading the load on Let's Encrypt): not here.
    renew_started=$(date +%s)
    NGINX_PREFIX=$tmp/nginx/ NGINX_PID_FILE=$tmp/nginx/nginx.pid \
        timeout 60 certbot renew --force-renewal --no-random-sleep-on-renew --non-interactive --server "https://127.0.0.1:$acme_port/dir" \
        "${certbot_dirs[@]}" >"$tmp/renew.log" 2>&1 || fail "certbot renew failed"
    grep -q 'reload-nginx.sh: Nginx reloaded' "$tmp/renew.log" "$tmp/certbot/logs/letsencrypt.log" ||
        fail "the deploy hook did not reload Nginx"
    renew_seconds=$(( $(date +%s) - renew_started ))
    renewed_serial=$(file_serial "$live/cert.pem")
    [[ $renewed_serial != "$before" ]] || fail "certbot renew kept serial $before"
    wait_for "the renewed certificate on Nginx" 10 serving "$renewed_serial"
    sleep 1                             # and a moment of load on the new workers
    touch "$tmp/stop-load"
    wait "${load_pids[@]}"
    sent=$(cat "$tmp"/load-*.txt | wc -l)
    failed=$(cat "$tmp"/load-*.txt | { grep -vcx 200 || true; })   # grep -c exits 1 when it counts 0
    (( sent > 0 )) || fail "the load sent no request"
    (( failed == 0 )) || fail "$failed of $sent requests failed during the renewal: $(sort "$tmp"/load-*.txt | uniq -c | tr '\n' ' ')"
    verified_health || fail "curl could not verify the renewed certificate against Pebble's root"
    step "renewed under load in $renew_seconds s: serial $before → $renewed_serial, $sent requests sent, $failed failed"
}

start_dns
start_pebble
start_app
start_nginx
step "running on loopback: DNS :$dns_port, Pebble :$acme_port, Nginx http :$http_port https :$https_port, app :$app_port"
http_port_checks
first_issuance
bad_inputs
renewal_under_load
step "PASSED in $(( $(date +%s) - started )) s — issued $issued_serial, renewed $renewed_serial, $LOAD_WORKERS load workers, 0 failed requests"
