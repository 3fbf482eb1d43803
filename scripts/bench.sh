#!/usr/bin/env bash
# `make bench`: the benchmark of the whole request path (client → Nginx → app → SQLite); takes minutes.
# Usage: scripts/bench.sh   e.g. BENCH_SECONDS=30 scripts/bench.sh, or BENCH_SMOKE=1 for a quick check.
# The work lives in bench/ (run.sh says what it measures and lists every setting; docs/performance.md
# explains the rows and the last reference run). This entry exists so every command sits in scripts/.
set -euo pipefail
exec "$(dirname "$0")/../bench/run.sh" "$@"
