#!/usr/bin/env bash
# Makes a self-signed certificate for local HTTPS: usage  scripts/make-cert.sh DIR
# Writes DIR/localhost.crt and DIR/localhost.key once (kept if both exist). Trust it per command:
#   curl --cacert DIR/localhost.crt https://localhost:8443/
set -euo pipefail

[[ $# -eq 1 && -n $1 ]] || { echo "usage: make-cert.sh DIR" >&2; exit 1; }
dir=$1
crt=$dir/localhost.crt
key=$dir/localhost.key

if [[ -s $crt && -s $key ]]; then
    echo "certificate already in $dir (localhost.crt, localhost.key)"
    exit 0
fi
mkdir -p "$dir"

# A minimal OpenSSL config instead of the system one, whose x509 section would mark the certificate
# as a CA: browsers refuse a CA certificate as a server's own certificate.
config=$(mktemp)
trap 'rm -f "$config"' EXIT
cat >"$config" <<'EOF'
[req]
distinguished_name = dn
prompt             = no
x509_extensions    = server

[dn]
CN = localhost

[server]
# Clients match the URL's host against subjectAltName only (the CN is ignored): name every way in.
subjectAltName         = DNS:localhost, IP:127.0.0.1, IP:::1
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature
extendedKeyUsage       = serverAuth
subjectKeyIdentifier   = hash
EOF

# ECDSA P-256: a 256-bit key as strong as RSA-3072, smaller and faster to handshake with; every current
# client supports it, and the ECDHE-ECDSA suites in nginx/snippets/tls.conf are the ones that use it.
# 365 days: long enough for a dev machine, short enough that a copied key does not live for ever.
umask 077                               # the private key is readable by its owner only (mode 600)
# openssl chats on stderr ("-----") even on success: keep its words for when it fails.
if ! err=$(openssl req -x509 -new -noenc -days 365 -sha256 \
        -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
        -config "$config" -keyout "$key" -out "$crt" 2>&1); then
    echo "make-cert.sh: openssl failed: $err" >&2
    exit 1
fi
chmod 600 "$key"
chmod 644 "$crt"                        # the certificate is public: clients read it to trust the server

echo "self-signed certificate for localhost written to $crt (key: $key)"
