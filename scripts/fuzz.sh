#!/usr/bin/env bash
# Fuzzes each Jazzer target (src/test/java/dev/roundtrip/fuzz) for FUZZ_SECONDS, one JVM per target (Jazzer
# fuzzes one @FuzzTest per JVM), and prints per target: executions, executions per second, findings.
# Usage: scripts/fuzz.sh                      every target, FUZZ_SECONDS each (default 120)
#        FUZZ_SECONDS=15 scripts/fuzz.sh      the short run of `make test`
#        scripts/fuzz.sh SearchFuzzTest       only the targets whose name contains a word given
#        FUZZ_SECONDS=0 scripts/fuzz.sh       skips fuzzing (make test FUZZ_SMOKE_SECONDS=0)
# A finding fails the run and is written by Jazzer as crash-<sha1> into the target's inputs directory,
# src/test/resources/dev/roundtrip/fuzz/<Class>Inputs/<method>/, where plain `mvn test` replays it from then on:
# give it a name that says what it is, commit it. FUZZ_KEEP_GOING=N goes on until N findings (default 1).
# JAVA=/path/to/bin/java picks another JDK (Jazzer attaches its agent: on JDK 21+ add nothing, it warns only).
# The corpus the fuzzer grows is kept between runs in target/fuzz/corpus/ (mvn clean removes it).
set -uo pipefail
cd "$(dirname "$0")/.."

seconds=${FUZZ_SECONDS:-120}
keep_going=${FUZZ_KEEP_GOING:-1}
out=target/fuzz
[ "$seconds" -gt 0 ] || { echo "fuzz.sh: FUZZ_SECONDS=0, no fuzzing"; exit 0; }
# Class#method: one line per target, the order of the issue's list.
all_targets=(
  NoteBodyFuzzTest#anyJsonBodyIsAnsweredWithoutServerErrorAndRefusalsWriteNothing
  EntityTagFuzzTest#anyEntityTagListIsAnsweredWithoutServerErrorAndRefusalsWriteNothing
  NoteQueryFuzzTest#anyQueryStringIsAnsweredWithoutServerError
  SearchFuzzTest#anySearchTermsAreAnsweredWithoutServerError
  EdgeHeadersFuzzTest#anyEdgeHeadersAreAnsweredWithoutServerError
  CredentialsFuzzTest#anyCredentialsOnAWriteAreRefusedWithoutServerErrorAndWriteNothing
)
targets=()
for target in "${all_targets[@]}"; do
  if [ $# -eq 0 ]; then targets+=("$target"); continue; fi
  for word in "$@"; do [[ $target == *"$word"* ]] && targets+=("$target") && break; done
done
[ ${#targets[@]} -gt 0 ] || { echo "fuzz.sh: no target matches $*" >&2; exit 2; }

mkdir -p "$out"
mvn -B -q test-compile dependency:build-classpath -Dmdep.outputFile="$out/classpath" -Dmdep.includeScope=test \
  || { echo "fuzz.sh: the build failed" >&2; exit 2; }
classpath="target/test-classes:target/classes:$(cat "$out/classpath")"

failed=0
rows=()
for target in "${targets[@]}"; do
  class=${target%%#*}
  method=${target#*#}
  log="$out/$class.log"
  inputs="src/test/resources/dev/roundtrip/fuzz/${class}Inputs/$method"
  corpus="$out/corpus/$class/$method"
  mkdir -p "$corpus" "$inputs"
  kept=$(ls "$inputs")
  echo "fuzzing $class for ${seconds}s (log: $log)"
  # libFuzzer's flags: Jazzer 0.24 reads the run's length only from @FuzzTest(maxDuration) (5 min), and a later
  # -max_total_time wins; -timeout: one input running 10 s is a finding (a hang).
  JAZZER_FUZZ=1 "${JAVA:-java}" -Xmx768m -XX:-OmitStackTraceInFastThrow -Djazzer.keep_going="$keep_going" \
    -Djazzer.internal.arg.0=fuzz -Djazzer.internal.arg.1="$corpus" \
    -Djazzer.internal.arg.2=-max_total_time="$seconds" -Djazzer.internal.arg.3=-timeout=10 \
    -cp "$classpath" dev.roundtrip.fuzz.FuzzingRun "$target" >"$log" 2>&1
  status=$?
  runs=$(grep -aoE '^Done [0-9]+ runs in [0-9]+ second' "$log" | tail -1 | awk '{print $2, $5}')
  executions=${runs% *}
  took=${runs#* }
  rate=$([ -n "$runs" ] && [ "${took:-0}" -gt 0 ] && echo $((executions / took)) || echo "?")
  # A kept input that still fails is written again as crash-<sha1>: drop such copies, count only new inputs.
  findings=0
  for new in $(comm -13 <(echo "$kept") <(ls "$inputs")); do
    for old in $kept; do
      cmp -s "$inputs/$old" "$inputs/$new" && { rm -f "$inputs/$new"; continue 2; }
    done
    findings=$((findings + 1))
  done
  if [ $status -ne 0 ]; then
    failed=1
    [ $findings -gt 0 ] || findings="kept"  # only inputs already kept failed (or the run broke: see the log)
    grep -aE 'AssertionError|FuzzTestFindingException|Test unit written to' "$log" | head -6 | cut -c1-300
  fi
  rows+=("$(printf '%-22s %10s %8s %9s' "$class" "${executions:-?}" "$rate" "$findings")")
done

printf '\n%-22s %10s %8s %9s\n' target executions exec/s findings
printf '%s\n' "${rows[@]}"
if [ $failed -ne 0 ]; then
  echo "findings: see the logs in $out/ and the new files in src/test/resources/dev/roundtrip/fuzz/*Inputs/ (replayed by mvn test)"
  exit 1
fi
