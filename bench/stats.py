#!/usr/bin/python3
"""Small measurements for bench/run.sh, from /proc and from h2load's output (stdlib only).

usage: stats.py ports N                      N free TCP ports on 127.0.0.1, one per line
       stats.py cpu NGINX_MASTER_PID JVM_PIDS DB_MASTER_PID
                                              "nginx_ticks jvm_ticks db_ticks": CPU so far (utime+stime, in
                                               clock ticks) of Nginx's workers, of the JVMs (comma-separated
                                               pids) and of PostgreSQL's server and backends (- for none)
       stats.py mem PID                       "vmhwm_kb vmrss_kb" of a process
       stats.py h2load OUTPUT LOG             the "bench ..." line wrk.lua prints, from h2load's summary
                                               and its --log-file (h2load prints no percentiles)
"""
import os
import re
import socket
import sys


def ports(count):
    """Binds COUNT sockets to port 0 at once (so they differ), then frees them for the stack."""
    socks = [socket.socket() for _ in range(count)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    print("\n".join(str(s.getsockname()[1]) for s in socks))
    for s in socks:
        s.close()


def ticks(pid):
    """utime + stime (fields 14 and 15 of /proc/PID/stat); 0 if the process is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()  # the name in (...) may contain spaces
    except FileNotFoundError:
        return 0
    return int(fields[11]) + int(fields[12])         # fields[0] is field 3 (state)


def children(parent):
    """PIDs whose parent is PARENT: Nginx's workers are the master's children."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    if f.read().rsplit(")", 1)[1].split()[1] == str(parent):
                        found.append(int(entry))
            except (FileNotFoundError, IndexError):
                pass
    return found


def cpu(master, jvms, db_master):
    nginx = sum(ticks(pid) for pid in children(master))
    jvm = sum(ticks(pid) for pid in str(jvms).split(",") if pid)
    db = 0 if db_master == "-" else ticks(db_master) + sum(ticks(pid) for pid in children(db_master))
    print(nginx, jvm, db)


def mem(pid):
    values = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key in ("VmHWM", "VmRSS"):
                values[key] = int(rest.split()[0])
    print(values["VmHWM"], values["VmRSS"])


def percentile(sorted_values, p):
    """Nearest-rank percentile; 0 for no values."""
    if not sorted_values:
        return 0
    rank = max(1, -(-len(sorted_values) * p // 100))  # ceil(n * p / 100)
    return sorted_values[int(rank) - 1]


def h2load(output_file, log_file):
    text = open(output_file, encoding="utf-8", errors="replace").read()
    done = re.search(r"finished in ([\d.]+)(ms|s),", text)
    reqs = re.search(r"requests: \d+ total, \d+ started, (\d+) done, \d+ succeeded, \d+ failed, "
                     r"(\d+) errored, (\d+) timeout", text)
    if not (done and reqs):
        sys.exit("stats.py: no h2load summary in " + output_file + ":\n" + text[-2000:])
    duration_us = float(done.group(1)) * (1000 if done.group(2) == "ms" else 1_000_000)
    times, non2xx = [], 0
    with open(log_file) as f:
        for line in f:                               # start_us <TAB> status <TAB> duration_us
            cols = line.split("\t")
            if len(cols) >= 3:
                times.append(int(cols[2]))
                non2xx += not cols[1].startswith("2")
    times.sort()
    print(f"bench requests={reqs.group(1)} duration_us={int(duration_us)} "
          f"socket_errors={int(reqs.group(2)) + int(reqs.group(3))} non2xx={non2xx} "
          f"p50_us={percentile(times, 50)} p99_us={percentile(times, 99)}")


def main():
    commands = {"ports": (ports, 1), "cpu": (cpu, 3), "mem": (mem, 1), "h2load": (h2load, 2)}
    if len(sys.argv) < 2 or sys.argv[1] not in commands or len(sys.argv) - 2 != commands[sys.argv[1]][1]:
        sys.exit(__doc__)
    fn, _ = commands[sys.argv[1]]
    args = sys.argv[2:]
    fn(*(int(a) if a.isdigit() else a for a in args))


if __name__ == "__main__":
    main()
