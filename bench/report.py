#!/usr/bin/python3
"""Turns bench/run.sh's raw rows into the table, the target checks, results.json and results.png.

usage: bench/report.py META_FILE ROWS_FILE OUT_DIR
META_FILE: key=value lines (tools, settings, peak RSS). ROWS_FILE: one "row k=v ..." line per row, as
bench/lib.sh's measure() writes them. Exit status 1 if any row had a non-2xx answer or a socket error.
Stdlib only; the chart is drawn by gnuplot (bench/chart.gp), locally.
"""
import json
import subprocess
import sys
from pathlib import Path

# name → (row number in the issue, label). The order here is the order of the table and the chart.
ROWS = {
    "edge_h1": ("1", "edge ceiling h1: Nginx return 200"),
    "edge_h2": ("1", "edge ceiling h2: Nginx return 200"),
    "app_ceiling": ("2", "app ceiling: /api/health direct"),
    "direct": ("3", "direct: GET /api/notes/{id}"),
    "proxied_h1": ("4", "proxied h1: GET by id via Nginx"),
    "proxied_h2": ("4", "proxied h2: GET by id via Nginx"),
    "hop_ceiling": ("5", "hop ceiling: /api/health via Nginx"),
    "list": ("6", "list: ?limit=20 via Nginx"),
    "search": ("6", "search: ?q=word via Nginx"),
    "writes_normal": ("7", "writes: POST with a token, sync NORMAL"),
    "writes_full": ("7", "writes: POST with a token, sync FULL"),
    "no_keepalive": ("8", "GET by id, no upstream keep-alive"),
    "pg_get_direct": ("9", "PostgreSQL: GET by id direct"),
    "pg_get_1": ("9", "PostgreSQL: GET by id via Nginx, 1 app"),
    "pg_get_3": ("9", "PostgreSQL: GET by id via Nginx, 3 apps"),
    "pg_post_direct": ("9", "PostgreSQL: POST direct"),
    "pg_post_1": ("9", "PostgreSQL: POST via Nginx, 1 app"),
    "pg_post_3": ("9", "PostgreSQL: POST via Nginx, 3 apps"),
    "session_check": ("10", "session check: GET /api/me with a token"),
    "login": ("11", "log-in: POST /api/sessions, 32 at once"),
}
PROXIED_READS = ["proxied_h1", "proxied_h2", "list", "search"]
RSS_LIMIT_MIB = 200


def read_meta(path):
    meta = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        key, sep, value = line.partition("=")
        if sep:
            meta[key] = value
    return meta


def read_rows(path, clk_tck):
    rows = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        fields = dict(kv.split("=", 1) for kv in line.split()[1:])
        n = max(int(fields["requests"]), 1)
        us_per_tick = 1_000_000 / clk_tck
        rows[fields["name"]] = {
            "name": fields["name"], "row": ROWS[fields["name"]][0], "label": ROWS[fields["name"]][1],
            "tool": fields["tool"], "requests": int(fields["requests"]),
            "seconds": round(int(fields["duration_us"]) / 1e6, 2),
            # answers counted apart (the log-in row's 503 too-many-logins) are not throughput
            "rps": round((int(fields["requests"]) - int(fields.get("shed", 0))) / (int(fields["duration_us"]) / 1e6), 1),
            "shed": int(fields.get("shed", 0)),
            "p50_ms": int(fields["p50_us"]) / 1000, "p99_ms": int(fields["p99_us"]) / 1000,
            "non2xx": int(fields["non2xx"]), "socket_errors": int(fields["socket_errors"]),
            # CPU per request: utime+stime of the process(es) during the run, over the requests served.
            "nginx_cpu_us": round(int(fields["nginx_ticks"]) * us_per_tick / n, 1),
            "app_cpu_us": round(int(fields["app_ticks"]) * us_per_tick / n, 1),
            "db_cpu_us": round(int(fields["db_ticks"]) * us_per_tick / n, 1),  # PostgreSQL's processes; SQLite is in the JVM
            "client_cpu_us": round(int(fields["client_ms"]) * 1000 / n, 1),
            "warmup": {"seconds": int(fields["warmup_s"]), "converged": fields["warmup_converged"],
                       "rps_per_round": fields["warmup_rps"]},
        }
    missing = [name for name in ROWS if name not in rows]
    if missing:
        sys.exit(f"report.py: rows missing from {path}: {', '.join(missing)}")
    return [rows[name] for name in ROWS]


def targets(rows, meta):
    """The issue's targets, each as (what, measured, goal, met)."""
    r = {row["name"]: row for row in rows}

    def ratio(a, b):
        return r[a]["rps"] / r[b]["rps"] if r[b]["rps"] else 0.0

    tail = max(PROXIED_READS, key=lambda n: r[n]["p99_ms"] / max(r[n]["p50_ms"], 0.001))
    tail_ratio = r[tail]["p99_ms"] / max(r[tail]["p50_ms"], 0.001)
    rss_mib = max(int(meta.get("app_peak_rss_kb", 0)), int(meta.get("app_max_sampled_rss_kb", 0))) / 1024
    login = r["login"]  # CPU of the row over the log-ins it served, not over the refusals it answered at once
    login_cpu_ms = login["app_cpu_us"] * login["requests"] / max(login["requests"] - login["shed"], 1) / 1000
    checks = [
        ("data path: direct ÷ app ceiling (row 3 ÷ row 2)", ratio("direct", "app_ceiling"), "≥ 0.5", None, 0.5),
        ("through the edge: proxied h1 ÷ hop ceiling (4 ÷ 5)", ratio("proxied_h1", "hop_ceiling"), "≥ 0.6",
         f"Nginx CPU {r['proxied_h1']['nginx_cpu_us']} µs per proxied request vs "
         f"{r['edge_h1']['nginx_cpu_us']} µs per return 200", 0.6),
        ("HTTP/2 ÷ HTTP/1.1 through Nginx (4 h2 ÷ 4 h1)", ratio("proxied_h2", "proxied_h1"), "≥ 0.9", None, 0.9),
        ("durable writes: FULL ÷ NORMAL (row 7)", ratio("writes_full", "writes_normal"), "≥ 0.5", None, 0.5),
        ("tail: worst p99 ÷ p50 of proxied reads", tail_ratio, "≤ 4", f"worst: {tail}", -4),
        ("memory: app peak RSS (MiB)", rss_mib, f"≤ {RSS_LIMIT_MIB}", f"JAVA_OPTS={meta.get('java_opts')}",
         -RSS_LIMIT_MIB),
        ("no upstream keep-alive ÷ proxied h1 (row 8 ÷ 4)", ratio("no_keepalive", "proxied_h1"), "info",
         f"new upstream connections per 200 requests: {meta.get('upstream_connections_per_200_no_keepalive')} "
         f"without keep-alive, {meta.get('upstream_connections_per_200_keepalive')} with", None),
        ("PostgreSQL ÷ SQLite, GET by id direct (9 ÷ 3)", ratio("pg_get_direct", "direct"), "info",
         f"PostgreSQL's own CPU {r['pg_get_direct']['db_cpu_us']} µs per read", None),
        ("PostgreSQL ÷ SQLite, POST via Nginx (9 ÷ 7 NORMAL)", ratio("pg_post_1", "writes_normal"), "info",
         f"PostgreSQL's own CPU {r['pg_post_1']['db_cpu_us']} µs per write", None),
        ("3 app servers ÷ 1, GET by id via Nginx (row 9)", ratio("pg_get_3", "pg_get_1"), "info",
         "two cores: more replicas share the same CPU", None),
        ("3 app servers ÷ 1, POST via Nginx (row 9)", ratio("pg_post_3", "pg_post_1"), "info", None, None),
        ("a session check ÷ the hop ceiling (10 ÷ 5)", ratio("session_check", "hop_ceiling"), "info",
         f"app CPU {r['session_check']['app_cpu_us']} µs per GET /api/me vs {r['hop_ceiling']['app_cpu_us']} µs "
         "per /api/health", None),
        ("log-ins per second, 32 at once (row 11)", r["login"]["rps"], "info",
         f"Argon2id m=19 MiB t=2 p=1; {r['login']['shed']} answered 503 too-many-logins; "
         f"app CPU {login_cpu_ms:.0f} ms per log-in", None),
        ("memory: app peak RSS under 32 concurrent log-ins (MiB)", int(meta.get("login_peak_rss_kb", 0)) / 1024,
         f"≤ {RSS_LIMIT_MIB}", f"{int(meta.get('login_rss_before_kb', 0)) / 1024:.0f} MiB just before the row; "
         f"VmHWM reset then: {meta.get('login_peak_rss_reset')}", -RSS_LIMIT_MIB),
    ]
    result = []
    for what, value, goal, note, bound in checks:
        # A positive bound is a minimum, a negative one a maximum (its absolute value), None: informative.
        met = None if bound is None else (value >= bound if bound > 0 else value <= -bound)
        result.append({"target": what, "value": round(value, 3), "goal": goal, "met": met, "note": note})
    return result


def print_table(rows, checks, meta, failed):
    head = ("#", "row", "tool", "req/s", "p50 ms", "p99 ms", "non-2xx", "sock err", "nginx µs/req",
            "app µs/req", "db µs/req", "client µs/req")
    lines = [head] + [(r["row"], r["label"], r["tool"], f"{r['rps']:.0f}", f"{r['p50_ms']:.2f}",
                       f"{r['p99_ms']:.2f}", str(r["non2xx"]), str(r["socket_errors"]), f"{r['nginx_cpu_us']:.1f}",
                       f"{r['app_cpu_us']:.1f}", f"{r['db_cpu_us']:.1f}", f"{r['client_cpu_us']:.1f}")
                      for r in rows]
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    print()
    for i, line in enumerate(lines):
        print("  ".join(cell.ljust(w) if c in (0, 1, 2) else cell.rjust(w)
                        for c, (cell, w) in enumerate(zip(line, widths))))
        if i == 0:
            print("  ".join("-" * w for w in widths))
    print()
    for c in checks:
        mark = "·" if c["met"] is None else ("✔" if c["met"] else "✘")
        note = f"   ({c['note']})" if c["note"] else ""
        print(f"{mark} {c['target']}: {c['value']:.2f} (target {c['goal']}){note}")
    errors_mark = "✘" if failed else "✔"
    print(f"{errors_mark} every answer 2xx, no socket errors: {'NO — ' + ', '.join(failed) if failed else 'yes'}")
    for key in sorted(k for k in meta if k.startswith("jit_warmup_")):
        print(f"· {key.replace('_', ' ')}: {meta[key]}")
    print(f"· JAVA_OPTS={meta.get('java_opts')}; load average {meta.get('loadavg_start')} at start, "
          f"{meta.get('loadavg_end')} at end; {meta.get('elapsed_s')} s in all")
    if meta.get("smoke") == "1":
        print("· smoke run (BENCH_SMOKE=1): 1 s rows without warm-up — these numbers say nothing about speed")


def chart(rows, meta, out_dir):
    """results.png: req/s per row, and CPU µs per request split into Nginx, the app and PostgreSQL."""
    data = out_dir / "results.dat"
    with data.open("w", encoding="utf-8") as f:
        for r in reversed(rows):                 # gnuplot draws the first line at the bottom
            f.write(f"\"{r['row']} {r['label']}\"\t{r['rps']}\t{r['nginx_cpu_us']}\t{r['app_cpu_us']}\t{r['db_cpu_us']}\n")
    png = out_dir / "results.png"
    script = Path(__file__).with_name("chart.gp")
    heading = (f"Roundtrip benchmark {meta.get('date', '')}: {meta.get('connections')} connections, "
               f"{meta.get('row_seconds')} s per row{' (SMOKE: not a measurement)' if meta.get('smoke') == '1' else ''}")
    subprocess.run(["gnuplot", "-e", f"datafile='{data}'; outfile='{png}'; heading='{heading}'", str(script)],
                   check=True)
    data.unlink()
    return png


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    meta = read_meta(sys.argv[1])
    rows = read_rows(sys.argv[2], int(meta.get("clk_tck", 100)))
    out_dir = Path(sys.argv[3])
    checks = targets(rows, meta)
    failed = [r["name"] for r in rows if r["non2xx"] or r["socket_errors"]]
    print_table(rows, checks, meta, failed)
    results = {"meta": meta, "rows": rows, "targets": checks, "errors": failed, "ok": not failed}
    (out_dir / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n",
                                          encoding="utf-8")
    png = chart(rows, meta, out_dir)
    print(f"\nwrote {out_dir / 'results.json'} and {png}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
