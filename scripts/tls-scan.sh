#!/usr/bin/env bash
# `make tls-scan`: Debian's testssl.sh against the edge, exactly as render-nginx.sh configures it, on loopback.
# Starts Nginx alone (the TLS layer is all Nginx: the app behind it plays no part in a handshake) from a fresh
# render in a temp folder, scans https://localhost:PORT pinned to 127.0.0.1, prints a one-screen summary and
# stops Nginx again, also when something fails. docs/tls-scan.md explains the findings of a run.
#   scripts/tls-scan.sh [extra testssl.sh options]
# Fails (exit 1) on any finding rated MEDIUM or worse, any protocol below TLS 1.2 that is offered, any weak
# cipher category that is offered, or a scan that could not finish. Settings: TLS_SCAN_PORT (default: free).
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { echo "tls-scan.sh: $*" >&2; exit 2; }
command -v testssl >/dev/null || fail "testssl.sh is not installed: run 'make tls-scan' (root) or: sudo apt-get install -y testssl.sh"
command -v jq >/dev/null || fail "jq is not installed: sudo apt-get install -y jq"

port_free() { ! ss -Htln "sport = :$1" | grep -q .; }
port=${TLS_SCAN_PORT:-}
if [[ -z $port ]]; then
    for _ in $(seq 1 50); do
        port=$((20000 + RANDOM % 40000)); port_free "$port" && break
    done
fi
http_port=$((port == 65535 ? port - 1 : port + 1))

work=$(mktemp -d "${TMPDIR:-/tmp}/roundtrip-tls-scan.XXXXXX")
chmod 755 "$work"                       # run as root, Nginx's workers (nobody) read the static files in it
nginx_pid=''
# shellcheck disable=SC2317  # reached through the EXIT trap
cleanup() {
    local status=$?
    [[ -z $nginx_pid ]] || { kill -QUIT "$nginx_pid" 2>/dev/null; wait "$nginx_pid" 2>/dev/null || true; }
    if [[ $status -eq 0 ]]; then rm -rf "$work"; else echo "tls-scan.sh: output kept in $work" >&2; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The production HSTS value (render-nginx.sh defaults to 300 s for localhost, see security-headers.conf):
# the scan judges the edge as it would be deployed. No app listens on APP_UPSTREAM; nothing here needs one.
# A certificate shaped like a CA's (a public CA names where its revocation list is; Let's Encrypt's do since
# 2025), valid for 90 days as theirs are: a throwaway CA of the scan's own issues it, so the scan judges the
# certificate as deployed. `make run`'s self-signed certificate names no CRL, which testssl.sh rightly rates
# HIGH for a public site.
mint_scan_certificate() {
    local dir=$1 ext=$1/server.ext
    mkdir -p "$dir" && (umask 077; : >"$dir/ca.key")
    printf '%s\n' "subjectAltName = DNS:localhost, IP:127.0.0.1" "basicConstraints = critical, CA:FALSE" \
        "keyUsage = critical, digitalSignature" "extendedKeyUsage = serverAuth" \
        "crlDistributionPoints = URI:http://localhost/roundtrip-scan-ca.crl" >"$ext"
    openssl req -x509 -new -noenc -days 91 -sha256 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
        -subj "/CN=Roundtrip TLS scan CA" -keyout "$dir/ca.key" -out "$dir/ca.crt" 2>/dev/null
    openssl req -new -noenc -newkey ec -pkeyopt ec_paramgen_curve:P-256 -subj "/CN=localhost" \
        -keyout "$dir/localhost.key" -out "$dir/localhost.csr" 2>/dev/null
    openssl x509 -req -days 90 -sha256 -in "$dir/localhost.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" \
        -CAcreateserial -extfile "$ext" -out "$dir/localhost.crt" 2>/dev/null
}
mint_scan_certificate "$work/certs" || fail "openssl could not make the scan's certificate"
HTTPS_PORT=$port HTTP_PORT=$http_port APP_UPSTREAM=127.0.0.1:9 HSTS_MAX_AGE=63072000 \
    TLS_CERT=$work/certs/localhost.crt TLS_KEY=$work/certs/localhost.key \
    scripts/render-nginx.sh "$work/nginx" >/dev/null
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
"$nginx_bin" -p "$work/nginx/" -c "$work/nginx/nginx.conf" -e stderr >"$work/nginx.out" 2>&1 &
nginx_pid=$!
for _ in $(seq 1 100); do curl -sk -o /dev/null "https://127.0.0.1:$port/" && break; sleep 0.1; done
curl -sk -o /dev/null "https://127.0.0.1:$port/" || { cat "$work/nginx.out" >&2; fail "Nginx did not start on :$port"; }

# The checks: protocols (-p), cipher categories by strength (-s), forward secrecy (-f), the server's choice
# (-P), certificate and defaults (-S), HTTP headers (-h), vulnerabilities (-U). Left out of a default run:
# client simulation (-c, dozens of handshakes that describe clients, not the server). Not --fast: it tests
# ciphers with the local OpenSSL, which cannot even offer the weak ones the scan must prove refused.
# --add-ca: the chain of trust is checked against the scan's CA, as a client that trusts it would.
checks=(-p -s -f -P -S -h -U)
json=$work/testssl.json
echo "scanning https://localhost:$port (127.0.0.1) with $(testssl --version 2>/dev/null | grep -oE 'testssl +[0-9.]+' | head -n 1)..."
started=$SECONDS
testssl --quiet --color 0 --warnings off --ip 127.0.0.1 --add-ca "$work/certs/ca.crt" \
    --openssl /usr/bin/openssl --jsonfile "$json" "${checks[@]}" "$@" "https://localhost:$port/" >"$work/testssl.txt" 2>&1 || true
[[ -s $json ]] || { tail -n 20 "$work/testssl.txt" >&2; fail "testssl.sh wrote no JSON"; }

# --- Verdict ---------------------------------------------------------------------------------------------
# Accepted for a reason that holds for Roundtrip (docs/tls-scan.md): nothing else may be MEDIUM or worse.
#   BREACH: needs a secret (a session or CSRF token) in a compressed body beside attacker-chosen text; no
#           answer of Roundtrip holds a secret, and compression is what makes lists cheap on slow links.
accepted='^BREACH$'
bad_severity=$(jq -r --arg ok "$accepted" '.[] | select(.severity | test("^(MEDIUM|HIGH|CRITICAL)$"))
    | select(.id | test($ok) | not) | "\(.severity) \(.id): \(.finding)"' "$json")
accepted_findings=$(jq -r --arg ok "$accepted" '.[] | select(.id | test($ok))
    | select(.severity | test("^(OK|INFO)$") | not) | "\(.severity) \(.id): \(.finding)"' "$json")
old_protocols=$(jq -r '.[] | select(.id | test("^(SSLv2|SSLv3|TLS1|TLS1_1)$")) | select(.finding | test("^not offered") | not)
    | "\(.id): \(.finding)"' "$json")
weak_ciphers=$(jq -r '.[] | select(.id | test("^cipherlist_(NULL|aNULL|EXPORT|LOW|3DES_IDEA|AVERAGE|OBSOLETED)$"))
    | select(.finding | test("^not offered") | not) | "\(.id): \(.finding)"' "$json")
# engine_problem only says Debian's OpenSSL has no GOST engine: nothing about the server.
scan_problems=$(jq -r '.[] | select(.severity == "WARN" or .id == "scanProblem") | select(.id != "engine_problem")
    | "\(.id): \(.finding)"' "$json")

echo "testssl.sh finished in $((SECONDS - started)) s: $(jq -r 'group_by(.severity) | map("\(length) \(.[0].severity)") | join(", ")' "$json")"
echo "protocols: $(jq -r '[.[] | select(.id | test("^(SSLv2|SSLv3|TLS1|TLS1_1|TLS1_2|TLS1_3)$")) | "\(.id) \(.finding)"] | join("; ")' "$json")"
echo "LOW and INFO findings (docs/tls-scan.md says why each is accepted), LOW first:"
jq -r 'sort_by(.severity != "LOW") | .[] | select(.severity == "LOW" or .severity == "INFO")
    | "  \(.severity | .[0:4]) \(.id): \(.finding | .[0:100])"' "$json" | grep -vE ' (scanTime|service|cert|pre_128cipher|cert_numbers|cert_serialNumber|cert_fingerprint[^:]*|cert_notBefore|cert_notAfter|cert_validityPeriod|cert_certificatePolicies_EV|cert_eTLS|intermediate_cert_badOCSP|clientAuth|certificate_transparency|cert_mustStapleExtension|HTTP_clock_skew|banner_reverseproxy|ipv4_in_header): ' | head -n 25 || true

[[ -z $accepted_findings ]] || { echo "accepted (see the reasons in this script and docs/tls-scan.md):"; sed 's/^/  /' <<<"$accepted_findings"; }
verdict=0
report() { [[ -z $2 ]] || { echo "FAIL: $1:"; sed 's/^/  /' <<<"$2"; verdict=1; }; }
report "findings rated MEDIUM or worse" "$bad_severity"
report "protocols below TLS 1.2 offered" "$old_protocols"
report "weak ciphers offered" "$weak_ciphers"
report "the scan did not finish cleanly" "$scan_problems"
[[ $verdict -ne 0 ]] || echo "OK: no protocol below TLS 1.2, no weak cipher, nothing rated MEDIUM or worse but the accepted BREACH note"
cp "$json" target/tls-scan.json 2>/dev/null || true   # for a human to read after the run (make tls-scan builds nothing)
exit "$verdict"
