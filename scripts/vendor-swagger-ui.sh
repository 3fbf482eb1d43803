#!/usr/bin/env bash
# Copies the few Swagger UI files the /docs/ page loads from node_modules/swagger-ui-dist (installed by
# `npm ci` at the version package-lock.json pins) into DEST: usage  scripts/vendor-swagger-ui.sh DEST
# The files are served by Nginx from our own origin, so the page needs no CDN at run time and the
# Content-Security-Policy can stay 'self'. `make run` / `make test` fill nginx/html/docs/vendor/ (git-ignored);
# the Nginx image runs this in a build stage.
set -euo pipefail

fail() { echo "vendor-swagger-ui.sh: $*" >&2; exit 1; }

[[ $# -eq 1 && -n $1 ]] || fail "usage: vendor-swagger-ui.sh DEST"
dest=$1
repo_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dist=$repo_dir/node_modules/swagger-ui-dist

[[ -f $dist/package.json ]] || fail "no $dist: run 'npm ci --ignore-scripts' in $repo_dir first"
# A node_modules left over from an older lock file would vendor the wrong version without a word.
version=$(node -p 'require(process.argv[1]).version' "$dist/package.json")
locked=$(node -p 'require(process.argv[1]).packages["node_modules/swagger-ui-dist"].version' "$repo_dir/package-lock.json")
[[ $version == "$locked" ]] || fail "node_modules has swagger-ui-dist $version, package-lock.json pins $locked: run 'npm ci --ignore-scripts'"

# Only what index.html loads (no standalone preset: the page uses the plain layout), plus the licence
# texts, which the Apache-2.0 licence asks to ship alongside the code.
files=(swagger-ui-bundle.js swagger-ui.css swagger-ui-bundle.js.LICENSE.txt LICENSE NOTICE)

# Replaced whole, so a file dropped from the list above does not linger; a folder this script did not
# make (no VERSION file) is never deleted, whatever DEST says.
if [[ -d $dest && -n $(ls -A "$dest") && ! -f $dest/VERSION ]]; then
    fail "$dest is not empty and was not made by this script; pick another DEST"
fi
rm -rf "$dest"
mkdir -p "$dest"
for file in "${files[@]}"; do
    cp "$dist/$file" "$dest/$file"
done
# Compressed once here, served as is by `gzip_static` (nginx/snippets/docs.conf): the 1.7 MB bundle is not
# recompressed on every request. -n: no name or time stamp inside, so the same input gives the same bytes.
gzip -9 -n -k "$dest/swagger-ui-bundle.js" "$dest/swagger-ui.css"
echo "$version" >"$dest/VERSION"

echo "swagger-ui-dist $version vendored into $dest"
