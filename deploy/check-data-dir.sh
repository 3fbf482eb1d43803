#!/usr/bin/env bash
# Refuses to start Roundtrip without its data directory, in one line that names the fix.
# Usage: check-data-dir.sh DIR     (ExecStartPre= of the units, as the unit's user)
# Without this, a missing /var/lib/roundtrip fails the unit as "226/NAMESPACE", and a read-only one fails
# deep inside SQLite. An app must never quietly create a new, empty database in place of a lost one.
set -euo pipefail

[[ $# -eq 1 && -n $1 ]] || { echo "usage: check-data-dir.sh DIR" >&2; exit 2; }
dir=$1
fix="sudo systemd-tmpfiles --create /etc/tmpfiles.d/roundtrip.conf (deploy/tmpfiles.d/roundtrip.conf)"

if [[ ! -d $dir ]]; then
    echo "roundtrip: data directory $dir does not exist; create it with: $fix" >&2
    exit 1
fi
if [[ ! -w $dir || ! -x $dir ]]; then
    echo "roundtrip: data directory $dir is not writable by $(id -un); fix its owner with: $fix" >&2
    exit 1
fi
