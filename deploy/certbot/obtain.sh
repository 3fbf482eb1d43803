#!/usr/bin/env bash
# Gets a certificate with certbot's webroot method, after checking what would make it fail:
#   ACME_EMAIL=you@example.com deploy/certbot/obtain.sh example.com [www.example.com ...] [-- CERTBOT-OPTIONS]
# Pre-flight, each failure one line naming the fix, before the CA is asked (Let's Encrypt limits failed
# validations to 5 per hour and name): a domain given and resolvable; the HTTP port answers a probe file
# placed in the webroot, at http://DOMAIN/.well-known/acme-challenge/…; the ACME directory reachable.
# Then certbot certonly; its failure, too, is summed up in one line. Nothing here touches the running Nginx:
# the current certificate keeps serving until certbot's deploy hook (reload-nginx.sh) reloads a new one.
# Environment:
#   ACME_EMAIL      the account's e-mail for expiry notices (required)
#   ACME_SERVER     the ACME directory (default Let's Encrypt's production one)
#   ACME_WEBROOT    the directory Nginx serves the challenges from (default /var/lib/roundtrip-acme)
#   HTTP_PORT       where the CA connects (default 80; a real CA always uses 80)
#   DNS_SERVER      host:port to resolve the domain at instead of the system resolver (tests)
#   ACME_PREFLIGHT  0 skips the checks (e.g. behind a proxy the probe cannot pass); certbot still runs
#   REQUESTS_CA_BUNDLE  a CA file for the ACME server's HTTPS (only for a test CA such as Pebble)
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
fail() { echo "obtain.sh: $*" >&2; exit 1; }

domains=()
while [[ $# -gt 0 && $1 != -- ]]; do domains+=("$1"); shift; done
[[ ${1:-} != -- ]] || shift              # what is left goes to certbot unchanged
ACME_SERVER=${ACME_SERVER:-https://acme-v02.api.letsencrypt.org/directory}
ACME_WEBROOT=${ACME_WEBROOT:-/var/lib/roundtrip-acme}
HTTP_PORT=${HTTP_PORT:-80}
curl_ca=(); [[ -z ${REQUESTS_CA_BUNDLE:-} ]] || curl_ca=(--cacert "$REQUESTS_CA_BUNDLE")

# fetch CURL-ARGS...: the body, then a last line "STATUS ERROR" (status 000 and curl's reason if no answer).
fetch() { curl -s -w '\n%{http_code} %{errormsg}' "$@" || true; }
status_of() { local last; last=$(tail -n 1 <<<"$1"); echo "${last%% *}"; }
error_of() { local last; last=$(tail -n 1 <<<"$1"); echo "${last#* }"; }

# check_input: the names look like domains, and an e-mail is given.
check_input() {
    (( ${#domains[@]} > 0 )) ||
        fail "no domain given — usage: ACME_EMAIL=you@example.com obtain.sh example.com [www.example.com] (the names in SERVER_NAME)"
    local name
    for name in "${domains[@]}"; do
        [[ $name =~ ^([A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]([A-Za-z0-9-]*[A-Za-z0-9])?$ ]] ||
            fail "'$name' is not a domain name (like example.com) — give the names your DNS points at this server"
    done
    [[ ${ACME_EMAIL:-} == ?*@?* ]] || fail "ACME_EMAIL is not set — give the address for expiry notices: ACME_EMAIL=you@example.com"
}

# address_of NAME: its first IPv4 address (else IPv6), from DNS_SERVER or the system resolver; empty if none.
address_of() {
    local type address family=4
    for type in A AAAA; do
        if [[ -n ${DNS_SERVER:-} ]]; then
            address=$(dig +short +time=2 +tries=1 -p "${DNS_SERVER##*:}" "@${DNS_SERVER%:*}" "$1" "$type" 2>/dev/null |
                grep -m 1 -E '^[0-9.]+$|:') || true   # +short also lists CNAME targets: keep addresses only
        else
            address=$(getent "ahostsv$family" "$1" | awk 'NR == 1 { print $1 }') || true
        fi
        [[ -z $address ]] || { echo "$address"; return; }
        family=6
    done
}

# check_http NAME ADDRESS: the CA's request, made from here: a probe file in the webroot, fetched over HTTP.
check_http() {
    local name=$1 address=$2 probe answer url
    [[ -d $ACME_WEBROOT ]] || fail "ACME_WEBROOT=$ACME_WEBROOT does not exist — render Nginx with this ACME_WEBROOT (scripts/render-nginx.sh creates it)"
    mkdir -p "$ACME_WEBROOT/.well-known/acme-challenge"
    probe=roundtrip-probe-$RANDOM$RANDOM
    echo "$probe" >"$ACME_WEBROOT/.well-known/acme-challenge/$probe" ||
        fail "cannot write to ACME_WEBROOT=$ACME_WEBROOT — run as the user certbot runs as (root)"
    url=http://$name:$HTTP_PORT/.well-known/acme-challenge/$probe
    [[ $address != *:* ]] || address="[$address]"
    answer=$(fetch --max-time 5 --resolve "$name:$HTTP_PORT:$address" "$url")
    rm -f "$ACME_WEBROOT/.well-known/acme-challenge/$probe"
    [[ $(status_of "$answer") != 000 ]] ||
        fail "nothing answers on port $HTTP_PORT of $name ($address): $(error_of "$answer") — start Nginx" \
            "(systemctl start roundtrip-nginx) and open port $HTTP_PORT to the internet; the CA connects there"
    [[ $(head -n 1 <<<"$answer") == "$probe" ]] ||
        fail "$url answered HTTP $(status_of "$answer") without the probe file — Nginx does not serve" \
            "ACME_WEBROOT=$ACME_WEBROOT there: render Nginx with the same ACME_WEBROOT and reload it"
}

# check_directory: the ACME server answers with a directory (its JSON names newNonce, newAccount, newOrder).
check_directory() {
    local answer
    answer=$(fetch --max-time 10 "${curl_ca[@]}" "$ACME_SERVER")
    [[ $(status_of "$answer") != 000 ]] ||
        fail "cannot reach the ACME server at $ACME_SERVER: $(error_of "$answer") — check ACME_SERVER and that" \
            "this machine may connect out to it (port 443)"
    grep -q '"newNonce"' <<<"$answer" ||
        fail "the ACME server at $ACME_SERVER answered HTTP $(status_of "$answer") but no ACME directory — fix" \
            "ACME_SERVER (Let's Encrypt: https://acme-v02.api.letsencrypt.org/directory)"
}

preflight() {
    local name address
    for name in "${domains[@]}"; do
        address=$(address_of "$name")
        [[ -n $address ]] ||
            fail "$name does not resolve${DNS_SERVER:+ at $DNS_SERVER} — create a DNS A record for it pointing at this" \
                "server's public address, or fix the name"
        check_http "$name" "$address"
    done
    check_directory
}

# run_certbot [CERTBOT-OPTIONS]: certonly; on failure one line with the CA's reason (certbot's "Detail:").
run_certbot() {
    local args=() name log reason
    for name in "${domains[@]}"; do args+=(-d "$name"); done
    log=$(mktemp "${TMPDIR:-/tmp}/roundtrip-certbot.XXXXXX.log")
    if certbot certonly --webroot -w "$ACME_WEBROOT" "${args[@]}" --server "$ACME_SERVER" \
            --non-interactive --agree-tos -m "$ACME_EMAIL" --no-eff-email \
            --deploy-hook "$script_dir/reload-nginx.sh" "$@" >"$log" 2>&1; then
        grep -E 'Certificate is saved at|Certificate not yet due' "$log" | sed 's/^ */obtain.sh: /' || true
        rm -f "$log"
        return
    fi
    reason=$(grep -m 1 -E '^ *Detail:' "$log" | sed 's/^ *Detail: *//') || true
    [[ -n $reason ]] || reason=$(grep -E -i 'error|failed|could not' "$log" | tail -n 1) || true
    fail "certbot got no certificate for ${domains[*]}: ${reason:-see $log} — fix that, then run obtain.sh again;" \
        "the current certificate keeps serving (certbot's output: $log)"
}

check_input
if [[ ${ACME_PREFLIGHT:-1} != 0 ]]; then preflight; fi
run_certbot "$@"
