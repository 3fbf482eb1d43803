# PostgreSQL for the scaled-out stack (compose.postgres.yaml): Debian's own PostgreSQL 15, the version the
# tests run against. Build from the repository root:  docker build -f docker/postgres.Dockerfile .
FROM debian:bookworm-slim

# postgresql-15 brings the server and its contrib extensions (pg_trgm, for search); nothing else.
RUN apt-get update \
 && apt-get install -y --no-install-recommends postgresql-15 \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /var/lib/postgresql/data /run/roundtrip-db \
 && chown postgres:postgres /var/lib/postgresql/data /run/roundtrip-db \
 && chmod 700 /var/lib/postgresql/data

COPY docker/postgres-entrypoint.sh /usr/local/bin/

# The server runs as the postgres user, never as root; its data lives in a volume.
USER postgres
ENV PATH=/usr/lib/postgresql/15/bin:$PATH \
    PGDATA=/var/lib/postgresql/data \
    PGPORT=5432
VOLUME /var/lib/postgresql/data
EXPOSE 5432
# SIGINT is PostgreSQL's "fast" shutdown: end sessions, write a checkpoint, exit; nothing committed is lost.
STOPSIGNAL SIGINT
ENTRYPOINT ["postgres-entrypoint.sh"]
