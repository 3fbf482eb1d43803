#!/usr/bin/env bash
# Turns the nginx/ templates into a runnable config directory: usage  scripts/render-nginx.sh OUT_DIR
# The one mechanism behind `make run`, the end-to-end tests and the Docker image. Then start Nginx with
#   nginx -p OUT_DIR/ -c OUT_DIR/nginx.conf -e stderr
# shellcheck disable=SC2034  # the settings are used through export "${names[@]}" (for envsubst)
set -euo pipefail

fail() { echo "render-nginx.sh: $*" >&2; exit 1; }

[[ $# -eq 1 && -n $1 ]] || fail "usage: render-nginx.sh OUT_DIR"
out_dir=$1
script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_dir=$(dirname "$script_dir")

# --- Settings: environment variables with defaults -----------------------------------------------
NGINX_SRC=${NGINX_SRC:-$repo_dir/nginx}           # the templates (the Docker image keeps them elsewhere)
HTTPS_PORT=${HTTPS_PORT:-8443}
HTTP_PORT=${HTTP_PORT:-8080}
PUBLIC_HTTPS_PORT=${PUBLIC_HTTPS_PORT:-$HTTPS_PORT}  # the port clients use, if a mapping changes it
APP_UPSTREAM=${APP_UPSTREAM:-127.0.0.1:8000}     # host:port of the app; several, space-separated, for replicas
TLS_CERT=${TLS_CERT:-$repo_dir/.run/certs/localhost.crt}
TLS_KEY=${TLS_KEY:-$repo_dir/.run/certs/localhost.key}
NGINX_ACCESS_LOG=${NGINX_ACCESS_LOG:-logs/access.log}  # relative paths are inside OUT_DIR
NGINX_ERROR_LOG=${NGINX_ERROR_LOG:-logs/error.log}
API_RATE_LIMIT=${API_RATE_LIMIT:-100r/s}          # per client address; a benchmark renders a higher one
API_RATE_BURST=${API_RATE_BURST:-200}
AUTH_RATE_LIMIT=${AUTH_RATE_LIMIT:-10r/m}         # log-ins and registrations (POST /api/sessions, /api/users) per address
AUTH_RATE_BURST=${AUTH_RATE_BURST:-10}
HSTS_MAX_AGE=${HSTS_MAX_AGE:-300}                 # seconds; short for localhost (see security-headers.conf)
LISTEN_IPV6=${LISTEN_IPV6:-auto}                  # auto | on | off
EXTRA_INCLUDE_DIR=${EXTRA_INCLUDE_DIR:-}          # optional: *.conf files added inside the HTTPS server
OPENAPI_SPEC=${OPENAPI_SPEC:-$repo_dir/openapi.yaml}  # the contract, served at /docs/openapi.yaml
SERVER_NAME=${SERVER_NAME:-localhost}             # the domain: one or more names separated by spaces
ACME_WEBROOT=${ACME_WEBROOT:-}                    # certbot --webroot's directory; default OUT_DIR/acme (below)

# --- Validation: one clear line per mistake ------------------------------------------------------
is_port() { [[ $1 =~ ^[0-9]+$ ]] && (( 10#$1 >= 1 && 10#$1 <= 65535 )); }
for name in HTTPS_PORT HTTP_PORT PUBLIC_HTTPS_PORT; do
    is_port "${!name}" || fail "$name must be a port number from 1 to 65535, got '${!name}'"
done
[[ $HTTPS_PORT != "$HTTP_PORT" ]] || fail "HTTPS_PORT and HTTP_PORT must differ, both are $HTTPS_PORT"
[[ -n ${APP_UPSTREAM// } ]] || fail "APP_UPSTREAM must name at least one host:port"
for upstream in $APP_UPSTREAM; do
    [[ $upstream =~ ^[A-Za-z0-9.-]+:[0-9]+$ || $upstream =~ ^\[[0-9A-Fa-f:.]+\]:[0-9]+$ ]] ||
        fail "APP_UPSTREAM must be host:port, or several separated by spaces (e.g. 127.0.0.1:8000 or app:8000), got '$upstream'"
done
[[ $API_RATE_LIMIT =~ ^[0-9]+r/[sm]$ ]] || fail "API_RATE_LIMIT must look like 100r/s or 600r/m, got '$API_RATE_LIMIT'"
[[ $API_RATE_BURST =~ ^[0-9]+$ ]] || fail "API_RATE_BURST must be a whole number, got '$API_RATE_BURST'"
[[ $AUTH_RATE_LIMIT =~ ^[1-9][0-9]*r/[sm]$ ]] || fail "AUTH_RATE_LIMIT must look like 10r/m or 1r/s, got '$AUTH_RATE_LIMIT'"
[[ $AUTH_RATE_BURST =~ ^[0-9]+$ ]] || fail "AUTH_RATE_BURST must be a whole number, got '$AUTH_RATE_BURST'"
[[ $HSTS_MAX_AGE =~ ^[0-9]+$ ]] || fail "HSTS_MAX_AGE must be a number of seconds, got '$HSTS_MAX_AGE'"
[[ -f $NGINX_SRC/nginx.conf ]] || fail "no nginx.conf in NGINX_SRC=$NGINX_SRC"
[[ -z $EXTRA_INCLUDE_DIR || -d $EXTRA_INCLUDE_DIR ]] || fail "EXTRA_INCLUDE_DIR is not a directory: $EXTRA_INCLUDE_DIR"
[[ -r $OPENAPI_SPEC ]] || fail "OPENAPI_SPEC not readable: $OPENAPI_SPEC"
# DNS names (a leading "*." for a wildcard): anything else, e.g. a ";" or "{", would change Nginx's config.
dns_name='(\*\.)?([A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?\.)*[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?'
[[ $SERVER_NAME =~ ^\ *$dns_name(\ +$dns_name)*\ *$ ]] ||
    fail "SERVER_NAME must be one or more domain names separated by spaces (e.g. example.com www.example.com), got '$SERVER_NAME'"
read -ra server_names <<<"$SERVER_NAME" && SERVER_NAME="${server_names[*]}"  # one space between names

# Nginx reads relative certificate paths from OUT_DIR, which is rarely what the caller meant.
[[ $TLS_CERT == /* ]] || TLS_CERT=$PWD/$TLS_CERT
[[ $TLS_KEY == /* ]] || TLS_KEY=$PWD/$TLS_KEY
[[ -r $TLS_CERT ]] || fail "TLS_CERT not readable: $TLS_CERT (make one: scripts/make-cert.sh $(dirname "$TLS_CERT"))"
[[ -r $TLS_KEY ]] || fail "TLS_KEY not readable: $TLS_KEY"

# --- Derived values --------------------------------------------------------------------------------
# Redirect URLs name the port only when it is not HTTPS's default: https://localhost:8443/ vs https://localhost/
if [[ $PUBLIC_HTTPS_PORT == 443 ]]; then HTTPS_PORT_SUFFIX=""; else HTTPS_PORT_SUFFIX=":$PUBLIC_HTTPS_PORT"; fi

# The log-in limit's Retry-After: the seconds until its bucket has room for one more (rounded up), and the
# rate in words for its problem body. 10r/m → 6 s, "10 a minute"; 2r/s → 1 s, "2 a second".
auth_count=${AUTH_RATE_LIMIT%%r/*}
if [[ $AUTH_RATE_LIMIT == */m ]]; then
    AUTH_RETRY_AFTER=$(( (60 + auth_count - 1) / auth_count ))
    AUTH_RATE_TEXT="$auth_count a minute"
else
    AUTH_RETRY_AFTER=1
    AUTH_RATE_TEXT="$auth_count a second"
fi

# `listen [::]:PORT` fails to start Nginx where IPv6 is switched off (many containers). "auto" listens on
# IPv6 only if the kernel shows IPv6 addresses; the placeholder becomes a directive or a comment.
case $LISTEN_IPV6 in
    on) ipv6=yes ;;
    off) ipv6=no ;;
    auto) if grep -qs . /proc/net/if_inet6; then ipv6=yes; else ipv6=no; fi ;;  # /proc files report size 0
    *) fail "LISTEN_IPV6 must be auto, on or off, got '$LISTEN_IPV6'" ;;
esac
if [[ $ipv6 == yes ]]; then
    HTTP_LISTEN_IPV6="listen [::]:$HTTP_PORT default_server;"
    HTTPS_LISTEN_IPV6="listen [::]:$HTTPS_PORT ssl http2 default_server;"
else
    HTTP_LISTEN_IPV6="# no IPv6 listener (LISTEN_IPV6=$LISTEN_IPV6, IPv6 off or unavailable at render time)"
    HTTPS_LISTEN_IPV6=$HTTP_LISTEN_IPV6
fi

# The write hop's unix socket (conf.d/write-hop.conf), inside OUT_DIR: an absolute path, at most 107 bytes.
mkdir -p "$out_dir"
# One render at a time per OUT_DIR (e.g. upgrade.sh while an operator re-renders): two swaps interleaved
# would each delete the other's html.STAMP/ or conf.d/, leaving a site of 404s or a config Nginx cannot load.
exec 9>"$out_dir/.render.lock"
flock -w 60 9 || fail "another render-nginx.sh into $out_dir has run for over 60 s; wait for it or stop it"
WRITE_HOP_SOCKET=$(cd "$out_dir" && pwd)/write-hop.sock
(( ${#WRITE_HOP_SOCKET} <= 107 )) ||
    fail "OUT_DIR is too deep for a unix socket path (107 bytes at most): $WRITE_HOP_SOCKET"

# ACME HTTP-01: the port-HTTP_PORT server serves ACME_WEBROOT/.well-known/acme-challenge/ (conf.d/roundtrip.conf).
[[ -n $ACME_WEBROOT ]] || ACME_WEBROOT=$out_dir/acme
[[ $ACME_WEBROOT == /* ]] || ACME_WEBROOT=$PWD/$ACME_WEBROOT
[[ $ACME_WEBROOT =~ ^/[A-Za-z0-9._/+-]+$ ]] ||
    fail "ACME_WEBROOT must be a path of letters, digits and . _ / + - (no spaces), got '$ACME_WEBROOT'"
mkdir -p "$ACME_WEBROOT/.well-known/acme-challenge" ||
    fail "cannot create ACME_WEBROOT/.well-known/acme-challenge in $ACME_WEBROOT: make it writable, or set ACME_WEBROOT"
ACME_WEBROOT=$(cd "$ACME_WEBROOT" && pwd)

# One `server` line per app server, indented to sit inside the upstream block.
APP_SERVERS=$(for upstream in $APP_UPSTREAM; do printf 'server %s max_fails=1 fail_timeout=5s;\n    ' "$upstream"; done)
APP_SERVERS=${APP_SERVERS%$'\n    '}

# The ONLY names envsubst may replace. Plain `envsubst` would also blank Nginx's own $host, $uri...
names=(HTTPS_PORT HTTP_PORT HTTPS_PORT_SUFFIX APP_UPSTREAM APP_SERVERS TLS_CERT TLS_KEY NGINX_ACCESS_LOG
    NGINX_ERROR_LOG API_RATE_LIMIT API_RATE_BURST AUTH_RATE_LIMIT AUTH_RATE_BURST AUTH_RETRY_AFTER AUTH_RATE_TEXT
    HSTS_MAX_AGE HTTP_LISTEN_IPV6 HTTPS_LISTEN_IPV6 WRITE_HOP_SOCKET SERVER_NAME ACME_WEBROOT)
export "${names[@]}"
# shellcheck disable=SC2016  # the literal text '${NAME}' is what envsubst wants, unexpanded
placeholders=$(printf '${%s} ' "${names[@]}")

# --- Copy and render -------------------------------------------------------------------------------
# A socket left by an Nginx that was killed (not stopped) would make the next start fail ("bind() ... in use"),
# but one a running Nginx listens on must stay: a reload keeps listening on it, and would never create it again.
if [[ -S $WRITE_HOP_SOCKET ]] && ! ss -Hxl 2>/dev/null | grep -qF " $WRITE_HOP_SOCKET "; then
    rm -f "$WRITE_HOP_SOCKET"
fi

# Everything is rendered into a stage beside the live tree first: a render that fails leaves the running
# config as it was, and a render under a live Nginx (an upgrade, a new certificate) is swapped in at the end.
stage=$(mktemp -d "$out_dir/.render.XXXXXX")
trap 'rm -rf "$stage"' EXIT

# copy_tree SRC DEST: *.conf files are rendered, everything else (HTML, CSS, mime.types) copied as is.
copy_tree() {
    local src=$1 dest=$2 file rel
    while IFS= read -r -d '' file; do
        rel=${file#"$src"/}
        mkdir -p "$dest/$(dirname "$rel")"
        if [[ $file == *.conf ]]; then
            envsubst "$placeholders" <"$file" >"$dest/$rel"
        else
            cp "$file" "$dest/$rel"
        fi
    done < <(find "$src" -type f -print0)
}
copy_tree "$NGINX_SRC" "$stage"

# /docs/ (snippets/docs.conf): the contract goes next to the page that renders it, copied unchanged.
# Swagger UI came with the tree above, from html/docs/vendor/ (git-ignored, filled from npm by
# scripts/vendor-swagger-ui.sh); without it the rest of the site works and /docs/ says what to run.
mkdir -p "$stage/html/docs"
cp "$OPENAPI_SPEC" "$stage/html/docs/openapi.yaml"
[[ -f $stage/html/docs/vendor/swagger-ui-bundle.js ]] ||
    echo "render-nginx.sh: note: no Swagger UI in $NGINX_SRC/html/docs/vendor/, /docs/ will not render" \
        "(scripts/vendor-swagger-ui.sh $NGINX_SRC/html/docs/vendor fills it)" >&2

# The hook for extra server-level config: conf.d/roundtrip.conf includes conf.d/roundtrip.d/*.conf.
mkdir -p "$stage/conf.d/roundtrip.d"
[[ -z $EXTRA_INCLUDE_DIR ]] || copy_tree "$(cd "$EXTRA_INCLUDE_DIR" && pwd)" "$stage/conf.d/roundtrip.d"

# A template naming a placeholder missing from the list above would reach Nginx as "${NAME}".
if leftover=$(grep -rnoE '\$\{[A-Z][A-Z0-9_]*\}' --include='*.conf' "$stage"); then
    fail "placeholder not in render-nginx.sh's list: $(head -n 1 <<<"${leftover#"$stage"/}")"
fi

# The swap. Rendered parts are replaced whole, so a template deleted from nginx/ does not linger; logs/ stays.
# html/ is read on every request, so it is a symlink to html.STAMP/, replaced by one rename(2): a request sees
# the old tree or the new one, never a gap. Config files are read only at start and reload (after this script).
html_dir=html.$(date +%s%N)
mv "$stage/html" "$out_dir/$html_dir"
[[ -L $out_dir/html || ! -e $out_dir/html ]] || rm -rf "$out_dir/html"   # a tree from before html/ was a link
ln -s "$html_dir" "$stage/html.link"
mv -T "$stage/html.link" "$out_dir/html"
find "$out_dir" -maxdepth 1 -name 'html.*' ! -name "$html_dir" -exec rm -rf {} +   # open files stay readable
for part in "$stage"/*; do
    rm -rf "${out_dir:?}/$(basename "$part")"
    mv "$part" "$out_dir/"
done

# Nginx creates the temp directories itself, but not their parent; log paths inside OUT_DIR need theirs.
mkdir -p "$out_dir/temp" "$out_dir/logs"
for log in "$NGINX_ACCESS_LOG" "$NGINX_ERROR_LOG"; do
    [[ $log == /* ]] || mkdir -p "$out_dir/$(dirname "$log")"
done

echo "nginx config rendered into $out_dir ($SERVER_NAME: https :$HTTPS_PORT, http :$HTTP_PORT → https" \
    "except ACME challenges from $ACME_WEBROOT, /api/ → $APP_UPSTREAM)"
