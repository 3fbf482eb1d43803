#!/usr/bin/env bash
# `make compose-test`: proves that `docker compose up` works — builds the images from compose.yaml and runs
# the stack on a private, throwaway Docker engine, then checks it over real HTTPS on 127.0.0.1; then the same
# for the scaled-out stack of compose.postgres.yaml (PostgreSQL).
#   tools → dockerd in a temp dir → debian:bookworm-slim made locally (no registry is reachable here)
#   → host-network variant of compose.yaml → up --build → checks → down/up (volumes persist) → clean up
# Needs root (dockerd). COMPOSE_TEST_CACHE (default .cache/compose-test) keeps the base image between runs.
set -euo pipefail
cd "$(dirname "$0")/.."

started=$SECONDS
step() { printf '\n== %s  (%ds)\n' "$*" $((SECONDS - started)); }
fail() { echo "compose-test: FAILED: $*" >&2; exit 1; }
pass() { echo "  ok  $*"; results+=("$*"); }
results=()

# --- Tools -------------------------------------------------------------------------------------------
[ "$(id -u)" -eq 0 ] || { echo "compose-test: needs root to start its own dockerd: sudo make compose-test" >&2; exit 1; }
scripts/require.sh dockerd=docker.io docker-compose=docker-compose debootstrap=debootstrap \
    curl=curl openssl=openssl
# The python3 first on PATH may lack Debian's packages; the YAML transform runs on Debian's own.
if ! /usr/bin/python3 -c 'import yaml' 2>/dev/null; then
    echo "roundtrip: installing python3-yaml" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-yaml >/dev/null
fi

# --- Names unique to this run ------------------------------------------------------------------------
# /tmp, not $TMPDIR: the daemon's socket path must stay under the 108-byte limit of unix sockets.
work=$(mktemp -d /tmp/roundtrip-compose.XXXXXX)
project=roundtrip-ct-$(date +%s)-$$            # compose project: prefixes the containers, images, volumes
export DOCKER_HOST=unix://$work/docker.sock    # every docker and docker-compose call below talks to our engine
# The engine's classic builder, as Debian's docker-compose 1.29 uses by default: no BuildKit or buildx,
# which a newer docker client on PATH would otherwise bring in.
export COMPOSE_DOCKER_CLI_BUILD=0 DOCKER_BUILDKIT=0
host_file=$work/compose.host.yaml
# --foreground keeps docker-compose in our process group, so Ctrl-C reaches it and the clean-up runs at once.
compose() { local limit=$1; shift; timeout --foreground "$limit" docker-compose -p "$project" -f "$host_file" "$@"; }

# --- Clean-up, also when a step fails ----------------------------------------------------------------
dockerd_pid=''
unmount_all_under() {  # deepest first; dockerd leaves exec/netns/default mounted, debootstrap may leave proc
    local dir=$1 mnt
    awk -v d="$dir/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r | while read -r mnt; do
        umount "$mnt" 2>/dev/null || umount -l "$mnt"
    done
}
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if [ "$rc" -ne 0 ] && grep -qE 'level=(error|fatal)' "$work/dockerd.log" 2>/dev/null; then
        echo "--- dockerd's last errors ---" >&2
        grep -E 'level=(error|fatal)' "$work/dockerd.log" | tail -n 10 >&2
    fi
    if [ -n "$dockerd_pid" ] && kill -0 "$dockerd_pid" 2>/dev/null; then
        if [ "$rc" -ne 0 ] && [ -f "$host_file" ]; then
            echo "--- what the stack said (compose ps, logs) ---" >&2
            compose 60 ps >&2 || true
            compose 60 logs --no-color --tail=40 >&2 || true
        fi
        [ -f "$host_file" ] && { compose 120 down -v --remove-orphans >/dev/null 2>&1 || true; }
        kill -TERM "$dockerd_pid" 2>/dev/null || true
        for _ in $(seq 1 60); do kill -0 "$dockerd_pid" 2>/dev/null || break; sleep 0.5; done
        kill -KILL "$dockerd_pid" 2>/dev/null || true
        wait "$dockerd_pid" 2>/dev/null || true
    fi
    unmount_all_under "$work"
    # Images, containers and volumes all live in the engine's data root inside $work: this removes them.
    if awk -v d="$work/" 'index($2, d) == 1 { found = 1 } END { exit !found }' /proc/mounts; then
        echo "compose-test: something is still mounted under $work; not removing it" >&2
    else
        rm -rf "$work"
    fi
    [ "$rc" -eq 0 ] || echo "compose-test: FAILED (exit $rc) after $((SECONDS - started)) s" >&2
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- A private Docker engine -------------------------------------------------------------------------
step "starting a private dockerd in $work"
# An empty config file: settings in the host's /etc/docker/daemon.json must not clash with these flags.
echo '{}' >"$work/daemon.json"
# setsid: a Ctrl-C meant for this script must not stop the engine before the clean-up has used it.
setsid dockerd --config-file "$work/daemon.json" --bridge=none --iptables=false --ip-masq=false \
    --data-root "$work/root" --exec-root "$work/exec" -H "$DOCKER_HOST" --pidfile "$work/dockerd.pid" \
    >"$work/dockerd.log" 2>&1 &
dockerd_pid=$!
for _ in $(seq 1 60); do
    docker version >/dev/null 2>&1 && break
    kill -0 "$dockerd_pid" 2>/dev/null || fail "dockerd exited at start"
    sleep 0.5
done
docker version >/dev/null 2>&1 || fail "dockerd did not answer within 30 s"
echo "  engine $(docker version --format '{{.Server.Version}} (API {{.Server.APIVersion}})'), storage $(docker info --format '{{.Driver}}')"

# --- The base image: debian:bookworm-slim, made locally -----------------------------------------------
# mirror_for SUITE: the URI this machine's own apt sources use for SUITE (one-line and deb822 files).
mirror_for() {
    local suite=$1
    { cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
        awk -v s="$suite" '$1 == "deb" { sub(/ \[[^]]*\]/, ""); if ($3 == s) print $2 }'
      for f in /etc/apt/sources.list.d/*.sources; do [ -r "$f" ] && { cat "$f"; echo; }; done |
        awk -v s="$suite" 'BEGIN { RS = ""; FS = "\n" }
            { types = uris = suites = ""; enabled = "yes"
              for (i = 1; i <= NF; i++) {
                  if ($i ~ /^#/ || $i !~ /:/) continue
                  key = tolower(substr($i, 1, index($i, ":") - 1)); val = " " substr($i, index($i, ":") + 1) " "
                  if (key == "types") types = val; else if (key == "uris") uris = val
                  else if (key == "suites") suites = val; else if (key == "enabled") enabled = val }
              gsub(/[ \t]+/, " ", suites); split(uris, u, " ")
              if (types ~ / deb / && suites ~ (" " s " ") && enabled !~ /no/) print u[1] }'
    } | head -n 1
}

# slim ROOTFS: what Docker Hub's -slim variant does — no docs, man pages or locales, now or on later
# installs. It also reproduces the trap the Dockerfile works around (JDK scripts expect /usr/share/man/man1).
slim() {
    local root=$1
    # Hub's images also tell apt to keep no .deb files or package caches: the Dockerfiles rely on it.
    cat >"$root/etc/apt/apt.conf.d/docker-clean" <<'EOF'
# Like Docker Hub's debian images: no downloaded packages or caches left behind in an image layer.
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
Acquire::Languages "none";
EOF
    cat >"$root/etc/dpkg/dpkg.cfg.d/docker-slim" <<'EOF'
# Like Docker Hub's debian:*-slim: packages install without documentation (licences stay).
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/locale/*
EOF
    find "$root/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
    rm -rf "$root"/usr/share/{man,info,groff,lintian,locale}/* "$root"/var/lib/apt/lists/* \
        "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb
}

cache_dir=${COMPOSE_TEST_CACHE:-.cache/compose-test}
mkdir -p "$cache_dir" 2>/dev/null && [ -w "$cache_dir" ] || cache_dir=$work   # a read-only checkout: no cache
base_tar=$cache_dir/debian-bookworm-slim.tar
# A month-old base is made again, so the cached packages do not drift far from Debian's point releases.
[ -z "$(find "$base_tar" -mtime +30 2>/dev/null)" ] || rm -f "$base_tar"
if [ -s "$base_tar" ]; then
    step "base image: from the cache ($base_tar)"
else
    mirror=$(mirror_for bookworm)
    [ -n "$mirror" ] || fail "no apt source on this machine names the suite bookworm (the debootstrap mirror)"
    security=$(mirror_for bookworm-security)
    step "base image: debootstrap --variant=minbase bookworm from $mirror"
    debootstrap --variant=minbase bookworm "$work/rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 ||
        { tail -n 20 "$work/debootstrap.log" >&2; fail "debootstrap"; }
    # The same sources as the Docker Hub image: the release, its updates and, if this machine has one, security.
    rm -f "$work/rootfs/etc/apt/sources.list"
    { printf 'Types: deb\nURIs: %s\nSuites: bookworm bookworm-updates\nComponents: main\n' "$mirror"
      printf 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n'
      [ -z "$security" ] || printf '\nTypes: deb\nURIs: %s\nSuites: bookworm-security\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$security"
    } >"$work/rootfs/etc/apt/sources.list.d/debian.sources"
    slim "$work/rootfs"
    tar -C "$work/rootfs" -cf "$base_tar.partial" . && mv "$base_tar.partial" "$base_tar"
    rm -rf "$work/rootfs"
fi
docker import --change 'CMD ["bash"]' "$base_tar" debian:bookworm-slim >/dev/null
# Behind a network that intercepts TLS, this machine trusts an extra CA (Debian's place for local CAs);
# without it Maven's downloads in the build fail (PKIX). The stand-in base image trusts what this machine
# trusts, added as a layer so the cached tarball stays plain Debian. Docker Hub's image needs nothing.
local_cas=(/usr/local/share/ca-certificates/*.crt)
if [ -e "${local_cas[0]}" ]; then
    mkdir -p "$work/local-ca" && cp "${local_cas[@]}" "$work/local-ca/"
    printf 'FROM debian:bookworm-slim\nCOPY *.crt /usr/local/share/ca-certificates/\n' >"$work/local-ca/Dockerfile"
    docker build -q -t debian:bookworm-slim "$work/local-ca" >"$work/local-ca.log" 2>&1 ||
        { cat "$work/local-ca.log" >&2; fail "adding the local CA certificates to the base image"; }
    echo "  added this machine's local CA certificates: ${local_cas[*]##*/}"
fi
base_done=$SECONDS

# --- The host-network variant of compose.yaml, on free ports --------------------------------------------
# Below Linux's ephemeral range (32768+), so the build's own outgoing connections cannot take them.
port_is_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
pick_port() {
    local port
    for _ in $(seq 1 50); do
        port=$((20000 + RANDOM % 12000))
        if port_is_free "$port" && [[ " ${picked[*]-} " != *" $port "* ]]; then echo "$port"; return; fi
    done
    fail "no free port found"
}
picked=()
app_port=$(pick_port); picked+=("$app_port")
https_port=$(pick_port); picked+=("$https_port")
http_port=$(pick_port); picked+=("$http_port")
metrics_port=$(pick_port)   # the app's second listener (/metrics): on the host's network it needs a free port too
step "deriving $host_file (app :$app_port, metrics :$metrics_port, https :$https_port, http :$http_port)"
# Mechanically from the real file: the only changes are host networking and these settings.
docker-compose -f compose.yaml config | /usr/bin/python3 scripts/compose-host-network.py \
    --env app:APP_HOST=127.0.0.1 --env "app:APP_PORT=$app_port" --env "app:METRICS_PORT=$metrics_port" \
    --env "nginx:APP_UPSTREAM=127.0.0.1:$app_port" --env "nginx:HTTPS_PORT=$https_port" \
    --env "nginx:HTTP_PORT=$http_port" >"$host_file"

# --- Build and start ---------------------------------------------------------------------------------
step "docker-compose up -d --build (log: $work/up.log)"
compose 1500 up -d --build >"$work/up.log" 2>&1 || { tail -n 40 "$work/up.log" >&2; fail "docker-compose up --build"; }
up_done=$SECONDS

base=https://localhost:$https_port
cert=$work/localhost.crt
# curl trusts only the certificate the nginx container made: a different one fails the check.
https() { curl -sS --max-time 10 --cacert "$cert" "$@"; }
wait_ready() {
    for _ in $(seq 1 120); do
        [ "$(https -o /dev/null -w '%{http_code}' "$base/api/ready" 2>/dev/null)" = 200 ] && return 0
        sleep 0.5
    done
    fail "$base/api/ready did not answer 200 within 60 s"
}
# log_in: registers a user of this run's own and logs in once, through Nginx (2 of the 10 a minute the edge
# allows an address); sets TOKEN, which every write below sends as "Authorization: Bearer".
log_in() {
    local user=ct-$$-$RANDOM credentials status
    credentials="{\"username\":\"$user\",\"password\":\"compose-test $project\"}"
    status=$(https -o "$work/user.json" -w '%{http_code}' -H 'Content-Type: application/json' -d "$credentials" "$base/api/users")
    [ "$status" = 201 ] || fail "POST /api/users: expected 201, got $status: $(cat "$work/user.json")"
    status=$(https -o "$work/session.json" -w '%{http_code}' -H 'Content-Type: application/json' -d "$credentials" "$base/api/sessions")
    [ "$status" = 201 ] || fail "POST /api/sessions: expected 201, got $status: $(cat "$work/session.json")"
    TOKEN=$(/usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])' <"$work/session.json")
}
served_fingerprint() {
    openssl s_client -connect "127.0.0.1:$https_port" -servername localhost </dev/null 2>/dev/null |
        openssl x509 -noout -fingerprint -sha256
}

step "checks over HTTPS on 127.0.0.1"
# The certificate the nginx container made in its volume (it may still be starting: a few tries).
for _ in $(seq 1 30); do
    compose 30 exec -T nginx cat /etc/roundtrip/certs/localhost.crt >"$cert" 2>/dev/null && break
    sleep 1
done
[ -s "$cert" ] || fail "could not read the certificate from the nginx container (is it running?)"
wait_ready
pass "GET /api/ready → 200 over HTTPS, certificate verified against the one in the certs volume"

# The static page: Nginx serves it from the image itself, over HTTP/2 negotiated by ALPN.
read -r version status < <(https --http2 -o /dev/null -w '%{http_version} %{http_code}\n' "$base/")
[ "$version" = 2 ] || fail "expected HTTP/2, got HTTP/$version"
[ "$status" = 200 ] || fail "GET / (the static page): expected 200, got $status"
pass "GET / → 200 over HTTP/2 (ALPN)"

# /docs/: Swagger UI was vendored from npm in the image build, next to the repository's openapi.yaml.
for path in /docs/ /docs/vendor/swagger-ui-bundle.js /docs/openapi.yaml; do
    status=$(https -o /dev/null -w '%{http_code}' "$base$path")
    [ "$status" = 200 ] || fail "GET $path (the API docs): expected 200, got $status"
done
cmp -s <(https "$base/docs/openapi.yaml") openapi.yaml || fail "/docs/openapi.yaml differs from the repository's"
pass "GET /docs/ → 200 with Swagger UI from the image and the repository's openapi.yaml"

redirect=$(curl -sS --max-time 10 -o /dev/null -w '%{http_code} %{redirect_url}' "http://127.0.0.1:$http_port/api/health")
[[ $redirect == "301 https://"*":$https_port/api/health" ]] || fail "HTTP → HTTPS redirect: got '$redirect'"
pass "HTTP :$http_port → 301 to HTTPS :$https_port"

title="compose-test $project"
note="{\"title\":\"$title\",\"body\":\"made by compose-test\",\"tags\":[\"compose\"]}"
status=$(https -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' -d "$note" "$base/api/notes")
[ "$status" = 401 ] || fail "POST /api/notes without a session: expected 401, got $status"
log_in
status=$(https -o "$work/created.json" -D "$work/created.headers" -w '%{http_code}' \
    -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -d "$note" "$base/api/notes")
[ "$status" = 201 ] || fail "POST /api/notes: expected 201, got $status: $(cat "$work/created.json")"
location=$(awk 'tolower($1) == "location:" { print $2 }' "$work/created.headers" | tr -d '\r')
[ -n "$location" ] || fail "POST /api/notes: 201 without a Location header"
[[ $location == http* ]] || location=$base$location
read_note() {
    local body
    body=$(https -f "$location") || fail "GET $location failed"
    [[ $body == *"\"$title\""* ]] || fail "GET $location did not return the note: $body"
}
read_note
pass "POST /api/notes → 401 without a session; with one (POST /api/users, /api/sessions) → 201, Location $location reads the note back"

uid=$(compose 30 exec -T app id -u | tr -d '\r')
[[ $uid =~ ^[0-9]+$ && $uid != 0 ]] || fail "the app container runs as uid '$uid'"
pass "the app runs as uid $uid ($(compose 30 exec -T app id -un | tr -d '\r')), not root"

# Ordering: Nginx's start must come after the app's first passing health check, which ends ≥ one interval
# after the app starts; without `condition: service_healthy` Nginx starts within a second of the app.
app_id=$(compose 30 ps -q app)
nginx_id=$(compose 30 ps -q nginx)
# Nginx is already running here; if it did not wait, the app may not even be healthy yet: wait for that first.
for _ in $(seq 1 60); do
    [ "$(docker inspect --format '{{.State.Health.Status}}' "$app_id")" = healthy ] && break
    sleep 1
done
healthy_at=$(docker inspect --format '{{json .State.Health}}' "$app_id" | /usr/bin/python3 -c '
import json, sys
log = json.load(sys.stdin)["Log"]
print(next((entry["End"] for entry in log if entry["ExitCode"] == 0), ""))')
nginx_started=$(docker inspect --format '{{.State.StartedAt}}' "$nginx_id")
app_started=$(docker inspect --format '{{.State.StartedAt}}' "$app_id")
[ -n "$healthy_at" ] || fail "the app container has no passing health check after 60 s"
to_ns() { date -d "$1" +%s%N; }
(( $(to_ns "$nginx_started") > $(to_ns "$healthy_at") )) ||
    fail "nginx started at $nginx_started, before the app was healthy ($healthy_at)"
pass "nginx started $(( ($(to_ns "$nginx_started") - $(to_ns "$app_started")) / 1000000 )) ms after the app, after its first passing health check"

[ -z "$(docker network ls -q --filter driver=bridge)" ] || fail "a bridge network was created"
pass "no bridge network: both containers on the host's network"

step "down, then up again: the certificate and the note must persist (named volumes)"
fingerprint=$(served_fingerprint)
compose 120 down >>"$work/up.log" 2>&1
compose 300 up -d >>"$work/up.log" 2>&1 || { tail -n 40 "$work/up.log" >&2; fail "docker-compose up (second time)"; }
wait_ready
[ "$(served_fingerprint)" = "$fingerprint" ] || fail "Nginx serves a different certificate after down/up"
pass "same certificate after down/up (${fingerprint#*=})"
read_note
pass "the note is still there after down/up"
status=$(https -o "$work/me.json" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$base/api/me")
[ "$status" = 200 ] || fail "GET /api/me after down/up: expected 200, got $status: $(cat "$work/me.json")"
pass "the session still works after down/up (it is stored in the database volume)"

# --- The scaled-out stack: compose.yaml + compose.postgres.yaml -----------------------------------------
# Its three app replicas would all claim one port on the host's network, so here one app container runs, on
# PostgreSQL from the postgres image; several replicas behind one Nginx are ScaleOutIT's subject (make test).
compose 120 down -v >>"$work/up.log" 2>&1
pg_port=$(pick_port); picked+=("$pg_port")
step "the scaled-out stack (compose.postgres.yaml) on PostgreSQL :$pg_port, one app replica on the host network"
docker-compose -f compose.yaml -f compose.postgres.yaml config | /usr/bin/python3 scripts/compose-host-network.py \
    --scale app=1 --env "postgres:PGPORT=$pg_port" \
    --env "app:DATABASE_URL=jdbc:postgresql://127.0.0.1:$pg_port/roundtrip" \
    --env app:APP_HOST=127.0.0.1 --env "app:APP_PORT=$app_port" --env "app:METRICS_PORT=$metrics_port" \
    --env "nginx:APP_UPSTREAM=127.0.0.1:$app_port" --env "nginx:HTTPS_PORT=$https_port" \
    --env "nginx:HTTP_PORT=$http_port" >"$host_file"
compose 1500 up -d --build >>"$work/up.log" 2>&1 || { tail -n 40 "$work/up.log" >&2; fail "docker-compose up (scaled-out stack)"; }
compose 30 exec -T nginx cat /etc/roundtrip/certs/localhost.crt >"$cert"
wait_ready
engine=$(https "$base/api/journey" | /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["database"]["engine"])')
[ "$engine" = PostgreSQL ] || fail "/api/journey names the database engine '$engine', not PostgreSQL"
title="compose-test on postgres $project"
log_in                                   # a new database: a new user
status=$(https -o "$work/created.json" -D "$work/created.headers" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
    -H 'Content-Type: application/json' -d "{\"title\":\"$title\"}" "$base/api/notes")
[ "$status" = 201 ] || fail "POST /api/notes on PostgreSQL: expected 201, got $status: $(cat "$work/created.json")"
location=$base$(awk 'tolower($1) == "location:" { print $2 }' "$work/created.headers" | tr -d '\r')
read_note
pgdb_uid=$(compose 30 exec -T postgres id -un | tr -d '\r')
[ "$pgdb_uid" = postgres ] || fail "the postgres container runs as '$pgdb_uid'"
pass "compose.postgres.yaml: the app on PostgreSQL (journey says so), a user registered, a note created and read back, the server runs as postgres"

# --- Summary -----------------------------------------------------------------------------------------
# The project's two images and the base they are built on, as `docker image ls` reports them.
mapfile -t sizes < <(docker image ls --format '{{.Repository}}:{{.Tag}}  {{.Size}}' | grep -E "^($project|debian)" | sort)
compose 120 down -v >>"$work/up.log" 2>&1
echo
echo "compose-test passed in $((SECONDS - started)) s (base image $((base_done - started)) s, build + first up $((up_done - base_done)) s)"
printf '  - %s\n' "${results[@]}"
echo "images:"
printf '    %s\n' "${sizes[@]}"
