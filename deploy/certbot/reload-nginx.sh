#!/usr/bin/env bash
# certbot's deploy hook: after a certificate was obtained or renewed, make Nginx serve it, safely.
#   certbot ... --deploy-hook /path/to/deploy/certbot/reload-nginx.sh   (certbot saves it for `certbot renew`)
# First `nginx -t` on the rendered config: a config (or a new certificate/key pair) Nginx cannot load is
# refused here, and the running Nginx keeps serving the previous certificate. Then a reload (SIGHUP): new
# workers start with the new certificate, the old ones finish their requests, no connection is refused.
# Environment (all optional):
#   NGINX_PREFIX    the rendered directory (default /etc/roundtrip/nginx/, as deploy/ renders it)
#   NGINX_CONF      the main file (default NGINX_PREFIX/nginx.conf)
#   NGINX_PID_FILE  tests and `make run`: send SIGHUP to the pid in this file instead of using systemd
#   NGINX_SERVICE   the systemd unit to reload (default roundtrip-nginx)
set -euo pipefail

fail() { echo "reload-nginx.sh: $*" >&2; exit 1; }

prefix=${NGINX_PREFIX:-/etc/roundtrip/nginx/}
prefix=${prefix%/}/                     # nginx -p wants the trailing slash
conf=${NGINX_CONF:-${prefix}nginx.conf}
service=${NGINX_SERVICE:-roundtrip-nginx}
[[ -r $conf ]] || fail "no Nginx config at $conf — render it with scripts/render-nginx.sh, or set NGINX_PREFIX"

# -q: quiet on success; -e stderr: Nginx would otherwise first open its compiled-in error log (root only).
if ! problem=$(nginx -t -q -p "$prefix" -c "$conf" -e stderr 2>&1); then
    fail "refusing to reload, nginx -t failed: $(head -n 1 <<<"$problem") — fix the config or the certificate" \
        "files it names (re-render with scripts/render-nginx.sh), then run this hook again; the running Nginx" \
        "keeps its current certificate"
fi

if [[ -n ${NGINX_PID_FILE:-} ]]; then
    pid=$(cat "$NGINX_PID_FILE" 2>/dev/null) || fail "cannot read NGINX_PID_FILE=$NGINX_PID_FILE — is Nginx running?"
    kill -HUP "$pid" 2>/dev/null || fail "no Nginx with pid $pid (from $NGINX_PID_FILE) — start Nginx first"
else
    systemctl reload "$service" || fail "systemctl reload $service failed — see: journalctl -u $service"
fi
echo "reload-nginx.sh: Nginx reloaded${RENEWED_DOMAINS:+ for $RENEWED_DOMAINS} (config $conf)"
