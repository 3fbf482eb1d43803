#!/usr/bin/env bash
# Installs Roundtrip on a Debian 12 server: packages, the `roundtrip` user, the release, the units, the env
# file and the Nginx site; then starts the app (roundtrip@8000), its Nginx and the backup timer. Run from the
# repository, as root:
#   sudo deploy/install.sh --domain roundtrip.example.com [--jar target/roundtrip.jar] [--version V] [--no-restart]
# Safe to run again (an upgrade of the units, a new release); it never overwrites /etc/roundtrip/roundtrip.env.
# --no-restart: only lay out the new release (jar link, helpers, units); no new site, nothing restarted: the
#   step before `scripts/upgrade.sh handover` (docs/deploy.md, Upgrades), which starts the new version itself.
# Into a directory instead of the running system (a test, an image):  --root DIR
#   no packages, no starting: systemd-sysusers/-tmpfiles and `systemctl enable` work on DIR with --root, and
#   the Nginx site is rendered and checked inside DIR with chroot (DIR must hold /usr: bind-mount it).
set -euo pipefail

fail() { echo "install.sh: $*" >&2; exit 1; }
say() { echo "install.sh: $*"; }

repo_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ROOT=/ JAR=$repo_dir/target/roundtrip.jar VERSION="" DOMAINS=() RESTART=yes
SYSTEMCTL=${SYSTEMCTL:-systemctl}                 # SYSTEMCTL=echo prints what would be started
# curl: obtain.sh's pre-flight probe and upgrade.sh's readiness checks use it.
PACKAGES=(openjdk-17-jre-headless nginx certbot sqlite3 iproute2 gettext-base openssl curl)

# parse_args "$@": fills DOMAINS, ROOT, JAR, VERSION, RESTART; one line per mistake.
parse_args() {
    while (( $# > 0 )); do
        case $1 in
            --domain) [[ $# -ge 2 ]] || fail "--domain needs a name"; DOMAINS+=("$2"); shift 2 ;;
            --root) [[ $# -ge 2 && -d ${2:-} ]] || fail "--root needs an existing directory"; ROOT=$(cd "$2" && pwd); shift 2 ;;
            --jar) [[ $# -ge 2 ]] || fail "--jar needs a file"; JAR=$2; shift 2 ;;
            --version) [[ $# -ge 2 ]] || fail "--version needs a value"; VERSION=$2; shift 2 ;;
            --no-restart) RESTART=no; shift ;;
            -h|--help) sed -n '2,11p' "${BASH_SOURCE[0]}"; exit 0 ;;
            *) fail "unknown argument '$1' (see --help)" ;;
        esac
    done
    (( ${#DOMAINS[@]} > 0 )) || fail "--domain is missing: give the server's DNS name, e.g. --domain roundtrip.example.com"
    [[ $(id -u) -eq 0 ]] || fail "run it as root: sudo deploy/install.sh --domain ${DOMAINS[0]}"
    [[ -f $JAR ]] || fail "no jar at $JAR: build it first (make build) or name it with --jar FILE"
    [[ $VERSION =~ ^[A-Za-z0-9][A-Za-z0-9._-]*$ ]] || VERSION=$(release_version)
}

# release_version: pom version plus the commit, e.g. 0.1.0-ce99aab, so that two builds never share a directory.
release_version() {
    local version commit
    version=$(sed -n 's|^  <version>\(.*\)</version>|\1|p' "$repo_dir/pom.xml" | head -n 1)
    commit=$(git -C "$repo_dir" rev-parse --short HEAD 2>/dev/null || date -u +%Y%m%d%H%M%S)
    echo "${version:-0}-$commit"
}

# in_root CMD...: runs CMD on the target system (itself, or DIR through chroot).
in_root() {
    if [[ $ROOT == / ]]; then "$@"; else chroot "$ROOT" "$@"; fi
}

install_packages() {
    if [[ $ROOT != / ]]; then say "--root: packages not installed (${PACKAGES[*]})"; return; fi
    say "installing ${PACKAGES[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >/dev/null
}

# create_user_and_dirs: the system user (sysusers.d) and its directories (tmpfiles.d), as at every boot.
create_user_and_dirs() {
    install -D -m 0644 "$repo_dir/deploy/sysusers.d/roundtrip.conf" "$ROOT/etc/sysusers.d/roundtrip.conf"
    install -D -m 0644 "$repo_dir/deploy/tmpfiles.d/roundtrip.conf" "$ROOT/etc/tmpfiles.d/roundtrip.conf"
    systemd-sysusers --root="$ROOT" roundtrip.conf
    systemd-tmpfiles --root="$ROOT" --create roundtrip.conf
}

# install_release: /opt/roundtrip/releases/VERSION/ (the jar, the Nginx templates and their scripts), then the
# link /opt/roundtrip/roundtrip.jar moves to it in one rename, so a unit never sees a half-made link.
install_release() {
    local opt=$ROOT/opt/roundtrip release=$ROOT/opt/roundtrip/releases/$VERSION
    # Written beside, then renamed: a running JVM keeps reading the old file (a jar rewritten in place crashes it).
    install -D -m 0644 "$JAR" "$release/roundtrip.jar.new"
    mv -f "$release/roundtrip.jar.new" "$release/roundtrip.jar"
    rm -rf "$release/nginx" && cp -R "$repo_dir/nginx" "$release/nginx"
    install -m 0644 "$repo_dir/openapi.yaml" "$release/openapi.yaml"
    install -D -m 0755 "$repo_dir/scripts/render-nginx.sh" "$release/scripts/render-nginx.sh"
    install -m 0755 "$repo_dir/scripts/make-cert.sh" "$release/scripts/make-cert.sh"
    ln -sfn "releases/$VERSION/roundtrip.jar" "$opt/roundtrip.jar.new"  # relative: right inside --root too
    mv -T "$opt/roundtrip.jar.new" "$opt/roundtrip.jar"
    # The helpers the units and the docs call, and the docs the units' Documentation= names.
    install -d -m 0755 "$opt/bin" "$opt/docs"
    local helper
    for helper in check-data-dir.sh prune-backups.sh check-exposure.sh render-site.sh; do
        install -m 0755 "$repo_dir/deploy/$helper" "$opt/bin/$helper"
    done
    # The certificate's tools (docs: Certificates). obtain.sh names its deploy hook by its own directory, so
    # certbot stores /opt/roundtrip/bin/reload-nginx.sh: absolute, and the same path in every release.
    for helper in obtain.sh reload-nginx.sh; do
        install -m 0755 "$repo_dir/deploy/certbot/$helper" "$opt/bin/$helper"
    done
    install -m 0755 "$repo_dir/scripts/cert-check.sh" "$opt/bin/cert-check.sh"
    install -m 0644 "$repo_dir/docs/deploy.md" "$opt/docs/deploy.md"
    say "release $VERSION in /opt/roundtrip/releases/$VERSION, /opt/roundtrip/roundtrip.jar points to it"
}

# install_config: units, log rotation, and the env file (only if there is none: it is the admin's).
install_config() {
    install -d -m 0755 "$ROOT/etc/systemd/system" "$ROOT/etc/logrotate.d" "$ROOT/etc/roundtrip"
    install -m 0644 "$repo_dir"/deploy/systemd/*.service "$repo_dir"/deploy/systemd/*.timer "$ROOT/etc/systemd/system/"
    install -m 0644 "$repo_dir/deploy/logrotate/roundtrip-nginx" "$ROOT/etc/logrotate.d/roundtrip-nginx"
    if [[ ! -e $ROOT/etc/roundtrip/roundtrip.env ]]; then
        # Mode 600: it may hold DATABASE_PASSWORD; systemd (root) reads it for the units.
        install -m 0600 "$repo_dir/deploy/env/roundtrip.env.example" "$ROOT/etc/roundtrip/roundtrip.env"
    fi
}

# app_units: the app units to (re)start: those that run now (after an upgrade that may be roundtrip@8001, or
# the plain roundtrip.service an admin chose), else roundtrip@8000, the template instance: scripts/upgrade.sh
# handover starts the next version beside it as roundtrip@8001 (the template sets DATA_DIR_HANDOVER=on).
app_units() {
    local running
    # The real systemctl even with SYSTEMCTL=echo: it only asks, and echo's output is no unit list.
    running=$(systemctl list-units --plain --no-legend --state=active 'roundtrip.service' 'roundtrip@*.service' 2>/dev/null |
        awk '{ print $1 }') || true
    echo "${running:-roundtrip@8000.service}"
}

# start_services: Debian's nginx.service off (it wants port 80 too), Roundtrip's units on.
start_services() {
    local apps units
    if [[ $ROOT != / ]]; then
        systemctl --root="$ROOT" enable roundtrip@8000.service roundtrip-nginx.service roundtrip-backup.timer
        say "--root: units enabled in $ROOT, not started"
        return
    fi
    "$SYSTEMCTL" daemon-reload
    if [[ $RESTART == no ]]; then
        say "--no-restart: release and units in place, nothing restarted; next: scripts/upgrade.sh (docs/deploy.md, Upgrades)"
        return
    fi
    if "$SYSTEMCTL" cat nginx.service >/dev/null 2>&1; then
        "$SYSTEMCTL" disable --now nginx.service
    fi
    mapfile -t apps < <(app_units)
    units=("${apps[@]}" roundtrip-nginx.service roundtrip-backup.timer)
    "$SYSTEMCTL" enable "${units[@]}"
    # = enable --now, except that a second run (new units, a new release) also restarts what already ran.
    "$SYSTEMCTL" restart "${apps[@]}" roundtrip-nginx.service
    "$SYSTEMCTL" start roundtrip-backup.timer
    say "started ${apps[*]} roundtrip-nginx.service roundtrip-backup.timer"
}

main() {
    parse_args "$@"
    install_packages
    create_user_and_dirs
    install_release
    install_config
    # An upgrade's new site is rendered by scripts/upgrade.sh, for the new port, once the new version is ready.
    if [[ $RESTART == yes ]]; then in_root /opt/roundtrip/bin/render-site.sh "${DOMAINS[@]}"; fi
    start_services
    say "done. Next: the firewall and the first certificate (docs/deploy.md); check: /opt/roundtrip/bin/check-exposure.sh 8000 18000"
}

main "$@"
