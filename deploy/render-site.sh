#!/usr/bin/env bash
# Renders Roundtrip's Nginx site for production into /etc/roundtrip/nginx, checks it, and reloads
# roundtrip-nginx if it runs. Usage (as root):  render-site.sh DOMAIN [MORE_NAMES...]
#   e.g. render-site.sh roundtrip.example.com www.roundtrip.example.com
# Installed as /opt/roundtrip/bin/render-site.sh by deploy/install.sh; run it again after the first certificate
# (it then picks /etc/letsencrypt/live/DOMAIN/) or with APP_UPSTREAM="127.0.0.1:8001" to move the traffic.
# Without APP_UPSTREAM it keeps the app servers the current site names (after `upgrade.sh handover 8000 8001`
# that is 8001), and 127.0.0.1:8000 (roundtrip@8000, what install.sh starts) for a first site.
# The templates come from the release the jar link points to, so a site always matches its app version.
# Writes the settings it used to /etc/roundtrip/render.env (for scripts/upgrade.sh's RENDER_ENV_FILE).
set -euo pipefail

fail() { echo "render-site.sh: $*" >&2; exit 1; }

# is_domain NAME: a DNS name with at least one dot (roundtrip.example.com, roundtrip.test), no scheme or port.
is_domain() { [[ $1 =~ ^([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z][A-Za-z0-9-]{0,62}$ ]]; }

(( $# >= 1 )) || fail "usage: render-site.sh DOMAIN [MORE_NAMES...] (the server's DNS name, e.g. roundtrip.example.com)"
for name in "$@"; do
    is_domain "$name" || fail "'$name' is not a domain name: give the name clients use, e.g. roundtrip.example.com (no https://, no port)"
done
domain=$1
[[ $(id -u) -eq 0 ]] || fail "run it as root (sudo): Nginx's site and keys under /etc are root's"

jar_link=/opt/roundtrip/roundtrip.jar
RELEASE_DIR=${RELEASE_DIR:-$(dirname "$(readlink -f "$jar_link")")}
[[ -x $RELEASE_DIR/scripts/render-nginx.sh ]] ||
    fail "no release with Nginx templates at $RELEASE_DIR (run deploy/install.sh first)"
site=/etc/roundtrip/nginx

# --- The certificate: Let's Encrypt's once certbot has one, a self-signed one until then ----------------
live=/etc/letsencrypt/live/$domain
if [[ -r $live/fullchain.pem && -r $live/privkey.pem ]]; then
    TLS_CERT=$live/fullchain.pem TLS_KEY=$live/privkey.pem
else
    # Only so that Nginx can start and answer certbot's HTTP-01 challenge on port 80; browsers will warn.
    "$RELEASE_DIR/scripts/make-cert.sh" /etc/roundtrip/certs >/dev/null
    TLS_CERT=/etc/roundtrip/certs/localhost.crt TLS_KEY=/etc/roundtrip/certs/localhost.key
    echo "render-site.sh: no certificate in $live yet: serving a self-signed one until certbot gets one (docs/deploy.md, Certificates)"
fi

# --- The production values (scripts/render-nginx.sh documents each) -----------------------------------------
export NGINX_SRC=$RELEASE_DIR/nginx OPENAPI_SPEC=$RELEASE_DIR/openapi.yaml
export HTTPS_PORT=443 HTTP_PORT=80 SERVER_NAME="$*" TLS_CERT TLS_KEY
# Two years: browsers remember to use HTTPS only; on localhost the default 300 s keeps a test cert from sticking.
export HSTS_MAX_AGE=63072000
export ACME_WEBROOT=/var/lib/roundtrip-acme       # certbot --webroot -w writes the challenges here
# current_upstream: the `server host:port` lines of the rendered upstream block, space-separated (empty if none).
current_upstream() {
    local conf=$site/conf.d/roundtrip.conf
    [[ -r $conf ]] || return 0
    sed -n '/^upstream roundtrip_app {/,/^}/s/^ *server \([^ ;]*\).*/\1/p' "$conf" | paste -sd ' ' -
}
APP_UPSTREAM=${APP_UPSTREAM:-$(current_upstream)}
export APP_UPSTREAM=${APP_UPSTREAM:-127.0.0.1:8000}
# Logs outside the site directory, where logrotate (/etc/logrotate.d/roundtrip-nginx) and the unit expect them.
export NGINX_ACCESS_LOG=/var/log/roundtrip-nginx/access.log NGINX_ERROR_LOG=/var/log/roundtrip-nginx/error.log
mkdir -p /var/log/roundtrip-nginx "$ACME_WEBROOT"
umask 022                                         # the workers (nobody) read html/ and the challenges

"$RELEASE_DIR/scripts/render-nginx.sh" "$site"

# The same settings for whoever renders the site next (scripts/upgrade.sh's RENDER_ENV_FILE), APP_UPSTREAM aside:
# an upgrade sets that one itself. Shell-quoted NAME=value lines.
for name in HTTPS_PORT HTTP_PORT SERVER_NAME TLS_CERT TLS_KEY HSTS_MAX_AGE ACME_WEBROOT NGINX_ACCESS_LOG NGINX_ERROR_LOG; do
    printf '%s=%q\n' "$name" "${!name}"
done >/etc/roundtrip/render.env

# --- Check, then hand over -----------------------------------------------------------------------------
if ! nginx -q -t -e stderr -p "$site/" -c "$site/nginx.conf"; then
    fail "the rendered site does not pass nginx -t (above); a running Nginx keeps serving its old config until a reload"
fi
if command -v systemctl >/dev/null && systemctl is-active --quiet roundtrip-nginx 2>/dev/null; then
    systemctl reload roundtrip-nginx
    echo "render-site.sh: roundtrip-nginx reloaded with the new site"
fi
echo "render-site.sh: site for $* in $site (certificate $TLS_CERT, app at $APP_UPSTREAM)"
