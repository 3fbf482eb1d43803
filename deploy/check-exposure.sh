#!/usr/bin/env bash
# Proves the app's ports are not reachable from outside: fails if one of PORTS listens on an address other
# than loopback. Also lists every other TCP listener beyond loopback, so that a surprise is seen.
# Usage: check-exposure.sh [PORT...]     (default: 8000 8001 9464 18000 18001: roundtrip.service and its
#        metrics, and the two template instances upgrade.sh hands over between, roundtrip@8000/8001, whose
#        metrics listen on 1%i; give other ports if your instances use them)
# Run it on the server after each change to the units or the env file; the firewall is the second line.
set -euo pipefail

ports=("$@")
(( ${#ports[@]} > 0 )) || ports=(8000 8001 9464 18000 18001)
for i in "${!ports[@]}"; do
    if [[ ! ${ports[i]} =~ ^[0-9]{1,5}$ ]] || (( 10#${ports[i]} < 1 || 10#${ports[i]} > 65535 )); then
        echo "check-exposure.sh: not a port number from 1 to 65535: '${ports[i]}'" >&2
        exit 2
    fi
    ports[i]=$(( 10#${ports[i]} ))      # 08000 is ss's 8000: compared as text it would never match, and pass
done
command -v ss >/dev/null || { echo "check-exposure.sh: needs ss: sudo apt-get install iproute2" >&2; exit 2; }

# is_loopback ADDRESS: 127.0.0.0/8, ::1, and IPv4-mapped ::ffff:127.x (a JVM's IPv6 socket bound to 127.0.0.1).
is_loopback() { [[ $1 == 127.* || $1 == ::1 || $1 == ::ffff:127.* ]]; }

exposed=0
# ss -Hltn: TCP listeners, no header, numeric; column 4 is ADDRESS:PORT (e.g. 0.0.0.0:443, [::]:80, *:22).
while read -r _state _recv _send local _peer _rest; do
    address=${local%:*} port=${local##*:}
    address=${address#[} address=${address%]}   # [::1] → ::1
    address=${address%%%*}                        # 127.0.0.53%lo → 127.0.0.53
    is_loopback "$address" && continue
    if printf '%s\n' "${ports[@]}" | grep -qx "$port"; then
        echo "EXPOSED: port $port listens on $local; bind it to 127.0.0.1 (APP_HOST / METRICS_HOST)" >&2
        exposed=1
    else
        echo "beyond loopback (not checked here, the firewall decides): $local"
    fi
done < <(ss -Hltn)

if (( exposed )); then
    exit 1
fi
echo "ok: ports ${ports[*]} listen on loopback only (or not at all)"
