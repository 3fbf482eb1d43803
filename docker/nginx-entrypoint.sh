#!/usr/bin/env bash
# Starts the Nginx container: make a certificate if the volume has none, render the templates with
# the same script `make run` uses, check the result, then become Nginx (PID 1, in the foreground).
set -euo pipefail

# Both scripts are on PATH in the image (/usr/local/bin); their settings come from the image's ENV.
make-cert.sh "$(dirname "$TLS_CERT")"
render-nginx.sh "$NGINX_RUN_DIR"

# A broken config stops here with Nginx's own message, before anything listens.
nginx -t -q -p "$NGINX_RUN_DIR/" -c "$NGINX_RUN_DIR/nginx.conf" -e stderr

# exec: Nginx replaces this shell and receives `docker stop`'s signal itself (daemon off; is in nginx.conf).
exec nginx -p "$NGINX_RUN_DIR/" -c "$NGINX_RUN_DIR/nginx.conf" -e stderr
