#!/usr/bin/env bash
# One app server of `make run`, kept running: scripts/run.sh starts one of these per replica.
#   scripts/supervise.sh NAME HOST:PORT COMMAND [ARG...]
#   e.g. APP_PORT=8001 scripts/supervise.sh "app server 2" 127.0.0.1:8001 java -jar target/roundtrip.jar
# It runs COMMAND; when COMMAND exits (a crash, the OOM killer, kill -9) it prints one line saying why and when
# it comes back, starts it again after a back-off (1 s, 2 s, 4 s … 30 s; back to 1 s once it had stayed up
# 60 s), and prints "back on HOST:PORT" when http://HOST:PORT/api/ready answers 200 again.
# A COMMAND that exits before it was ever ready is not restarted (a wrong setting would only fail again):
# this script then exits with its status, and run.sh stops with the app's own message above.
# SIGTERM: stops COMMAND (TERM, the app's graceful stop), waits for it, and exits 0.
set -euo pipefail

[[ $# -ge 3 ]] || { echo "usage: supervise.sh NAME HOST:PORT COMMAND [ARG...]" >&2; exit 2; }
name=$1 address=$2
shift 2
readonly FIRST_DELAY=1 MAX_DELAY=30 STABLE_SECONDS=60

child='' nap=''
# On TERM: end the app and any back-off sleep, wait for them, and leave without a restart.
on_term() {
    trap - TERM
    [[ -z $child ]] || kill -TERM "$child" 2>/dev/null || true
    [[ -z $nap ]] || kill "$nap" 2>/dev/null || true
    wait || true
    exit 0
}
trap on_term TERM

# Why a process ended, from the status `wait` gave: above 128 it was killed by signal (status - 128).
describe_exit() {
    local status=$1
    if ((status > 128 && status <= 128 + 64)); then
        echo "killed by SIG$(kill -l $((status - 128)))"
    elif ((status == 3)); then
        echo "exit code 3 (the JVM ran out of memory: -XX:+ExitOnOutOfMemoryError)"
    else
        echo "exit code $status"
    fi
}

# Polls /api/ready until it answers 200 (returns 0) or the app has exited (returns 1).
await_ready() {
    while kill -0 "$child" 2>/dev/null; do
        if curl -fs -o /dev/null --max-time 2 "http://$address/api/ready"; then return 0; fi
        sleep 0.5
    done
    return 1
}

# Sleeps SECONDS in the background, so that a TERM meanwhile is handled at once (bash runs a trap only
# between commands, but `wait` returns as soon as a signal arrives).
pause() {
    sleep "$1" &
    nap=$!
    wait "$nap" || true
    nap=''
}

delay=$FIRST_DELAY starts=0
while true; do
    # --pdeathsig: the kernel sends TERM to the app if this script dies, even by kill -9: no orphan app.
    setpriv --pdeathsig TERM -- "$@" &
    child=$! started=$SECONDS starts=$((starts + 1))
    if await_ready; then
        ((starts == 1)) || echo "supervise: $name is back on $address"
        ever_ready=1
    fi
    status=0
    wait "$child" 2>/dev/null || status=$?   # 2>: no "Killed" line from bash, ours says it
    child=''
    if [[ -z ${ever_ready:-} ]]; then
        echo "supervise: $name ($address) exited before it was ready: $(describe_exit "$status"); not restarting" >&2
        exit "$status"
    fi
    up=$((SECONDS - started))
    ((up < STABLE_SECONDS)) || delay=$FIRST_DELAY   # it had been running fine: this is a new incident
    echo "supervise: $name ($address) exited: $(describe_exit "$status") after $up s up; restarting in $delay s"
    pause "$delay"
    delay=$((delay * 2 > MAX_DELAY ? MAX_DELAY : delay * 2))
done
