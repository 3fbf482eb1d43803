# Nginx in front of the app, configured from this repository's nginx/ templates at container start.
# Build from the repository root:  docker build -f docker/nginx.Dockerfile -t roundtrip-nginx .

# ---- Stage 1: Swagger UI for /docs/, from npm at the version package-lock.json pins -----------------------
FROM debian:bookworm-slim AS docs
RUN apt-get update \
 && apt-get install -y --no-install-recommends nodejs npm ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY package.json package-lock.json ./
# --omit=dev: only what the site ships (swagger-ui-dist), not the test tools; --ignore-scripts: no
# install scripts run (swagger-ui-dist's dependency would otherwise phone home for analytics).
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund
COPY scripts/vendor-swagger-ui.sh scripts/
RUN scripts/vendor-swagger-ui.sh /src/vendor

# ---- Stage 2: Nginx ---------------------------------------------------------------------------------------
FROM debian:bookworm-slim

# Debian's Nginx 1.22 (the same one `make run` uses), openssl for the certificate, envsubst for the
# templates (package gettext-base).
RUN apt-get update \
 && apt-get install -y --no-install-recommends nginx openssl gettext-base \
 && rm -rf /var/lib/apt/lists/*

# The templates and static site, Swagger UI from stage 1, the API contract (served at /docs/openapi.yaml),
# and the same two scripts `make run` uses (on PATH for the entrypoint).
COPY nginx/ /opt/roundtrip/nginx/
COPY --from=docs /src/vendor/ /opt/roundtrip/nginx/html/docs/vendor/
COPY openapi.yaml /opt/roundtrip/openapi.yaml
COPY scripts/render-nginx.sh scripts/make-cert.sh docker/nginx-entrypoint.sh /usr/local/bin/

# Settings for render-nginx.sh; override any of them with `environment:` in compose.yaml.
# Logs go to stdout/stderr, where `docker logs` collects them.
ENV NGINX_SRC=/opt/roundtrip/nginx \
    OPENAPI_SPEC=/opt/roundtrip/openapi.yaml \
    NGINX_RUN_DIR=/run/roundtrip-nginx \
    HTTPS_PORT=443 \
    HTTP_PORT=80 \
    APP_UPSTREAM=app:8000 \
    TLS_CERT=/etc/roundtrip/certs/localhost.crt \
    TLS_KEY=/etc/roundtrip/certs/localhost.key \
    NGINX_ACCESS_LOG=/dev/stdout \
    NGINX_ERROR_LOG=/dev/stderr

# The certificate is made once and kept in a volume, so clients that trust it keep trusting it.
VOLUME /etc/roundtrip/certs
EXPOSE 80 443
# SIGQUIT is Nginx's graceful stop (finish requests in flight); the default SIGTERM is its fast stop.
STOPSIGNAL SIGQUIT
ENTRYPOINT ["nginx-entrypoint.sh"]
