#!/usr/bin/env bash
# Keeps the newest KEEP backups in DIR and removes older ones. db/Backup.java writes one file per run and
# removes none, so without this the disk fills up, one copy of the database a day.
# Usage: prune-backups.sh DIR KEEP      (ExecStartPost= of roundtrip-backup.service)
set -euo pipefail

fail() { echo "prune-backups.sh: $*" >&2; exit 2; }

[[ $# -eq 2 ]] || fail "usage: prune-backups.sh DIR KEEP"
dir=$1 keep=$2
[[ $keep =~ ^[1-9][0-9]*$ ]] || fail "KEEP must be a whole number of at least 1 (BACKUP_KEEP), got '$keep'"
[[ -d $dir ]] || fail "no backup directory $dir (run a backup first: systemctl start roundtrip-backup)"

# Backup names carry a UTC time stamp (roundtrip-20261202T031500Z.db): sorted by name is sorted by age.
# Only regular files of exactly that shape are candidates (db/Backup.java's STAMP: 8 digits, T, 6 digits, Z),
# so nothing else placed in DIR is ever removed: a glob's * would also match "roundtrip-9T9Z.db", which sorts
# above every real backup and so would cost the newest one its place, or a name with a newline in it.
mapfile -t backups < <(find "$dir" -maxdepth 1 -type f -regextype posix-extended \
    -regex '.*/roundtrip-[0-9]{8}T[0-9]{6}Z\.db' -printf '%f\n' | LC_ALL=C sort -r)
removed=0
for name in "${backups[@]:keep}"; do
    rm -f -- "${dir:?}/$name"
    removed=$((removed + 1))
done
echo "backups in $dir: kept $(( ${#backups[@]} - removed )), removed $removed (BACKUP_KEEP=$keep)"
