#!/usr/bin/env bash
# Makes sure system tools exist before a make target uses them.
# Usage: scripts/require.sh COMMAND=PACKAGE [COMMAND=PACKAGE ...]
#   e.g. scripts/require.sh nginx=nginx openssl=openssl envsubst=gettext-base
# COMMAND may also be an absolute path, for packages that bring no command (e.g. a font):
#   /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc=fonts-noto-cjk
# As root on Debian/Ubuntu the missing packages are installed (one `apt-get update`, then
# `apt-get install -y`); otherwise it stops with one line saying exactly what to install.
set -euo pipefail

missing_packages=()
missing_commands=()
for pair in "$@"; do
  command_name=${pair%%=*}
  package=${pair#*=}
  if [[ $command_name == /* ]]; then
    present() { [ -e "$command_name" ]; }
  else
    present() { command -v "$command_name" >/dev/null 2>&1 || [ -x "/usr/sbin/$command_name" ]; }
  fi
  if ! present; then
    missing_commands+=("$command_name")
    missing_packages+=("$package")
  fi
done
[ ${#missing_packages[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "roundtrip: installing ${missing_packages[*]} (missing: ${missing_commands[*]})" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing_packages[@]}" >/dev/null
  # Debian starts packaged services on install; Roundtrip runs its own Nginx, so stop the system one.
  if printf '%s\n' "${missing_packages[@]}" | grep -qx nginx && command -v systemctl >/dev/null 2>&1; then
    systemctl stop nginx >/dev/null 2>&1 || true
  fi
  exit 0
fi

echo "roundtrip: missing ${missing_commands[*]} — install it with: sudo apt-get install -y ${missing_packages[*]}" >&2
exit 1
