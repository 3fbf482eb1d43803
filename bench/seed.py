#!/usr/bin/python3
"""Seeds the benchmark's database and writes the request files the load generators read.

usage: bench/seed.py DB_FILE COUNT OUT_DIR
       bench/seed.py csv DB_FILE           the seeded notes as CSV, for PostgreSQL's COPY

DB_FILE must already be migrated (the app has started on it once) and the app must be stopped: rows go
straight into SQLite, and the schema's own triggers fill the full-text index and note_tags, exactly as
they do for the app's writes. Ids are 1..COUNT. Realistic text: titles and bodies of a few hundred
characters built from sentences, 0-3 tags, about 20 % Korean. Deterministic (fixed random seed).

OUT_DIR receives, one item per line:
  ids.txt       /api/notes/{id} with random ids       (GET by id rows)
  list.txt      /api/notes?limit=20                   (list row)
  search.txt    /api/notes?q=WORD, words that occur   (search row)
  health.txt    /api/health, static.txt /bench/static (ceiling rows)
  bodies.jsonl  POST bodies in the same style as the seeded notes (write rows)
Stdlib only: run it with Debian's /usr/bin/python3.
"""
import csv
import datetime
import json
import random
import sqlite3
import sys
import urllib.parse
from pathlib import Path

TOPICS = ["nginx keep-alive", "SQLite WAL checkpoints", "TLS session resumption", "HTTP/2 stream limits",
          "Jetty thread pools", "JSON serialization", "connection pooling", "full-text search",
          "cache headers", "rate limiting", "request ids", "graceful shutdown", "database backups",
          "access logs", "p99 latency", "ETag revalidation", "the deploy checklist", "gzip compression",
          "the staging certificate", "retry budgets"]
OPENERS = ["Notes on", "Tuning", "Debugging", "Measuring", "Questions about", "A checklist for",
           "Why we changed", "Reading up on", "Fixing", "Ideas for"]
ENDINGS = ["", "", "", " before the release", " (follow-up)", " - meeting notes", " for the mobile client",
           " on Friday"]
SENTENCES = [
    "We saw p99 latency climb to {n} ms while {topic} was misconfigured.",
    "The nginx error log showed upstream timeouts around {hh}:{mm}, right after the deploy.",
    "Try a smaller cache first and measure again before touching {topic}.",
    "SQLite handled {n}00 writes per second once WAL mode was on.",
    "Ask the team whether {topic} belongs in the runbook.",
    "Remember to look up the request id in both logs before guessing.",
    "Numbers from a shared machine are noisy; rerun the benchmark when it is quiet.",
    "The fix was one line, but finding it took most of the afternoon.",
    "Open question: does {topic} change anything for clients on slow mobile links?",
    "Draft a short note for the newsletter about {topic}.",
    "Compare the old and the new config side by side; the diff is smaller than it looks.",
    "Keep an eye on memory: the heap stayed under {n} MB during the soak test.",
]
KO_TOPICS = ["엔진엑스 설정", "데이터베이스 백업", "응답 시간", "캐시 전략", "배포 절차", "로그 수집",
             "인증서 갱신", "검색 기능"]
KO_TITLES = ["{t} 정리", "{t} 점검 목록", "{t}에 대한 메모", "회의록: {t}", "{t} 개선 아이디어"]
KO_SENTENCES = [
    "오늘 {t} 관련 문제를 확인했다.",
    "캐시 설정을 바꾼 뒤 응답 시간이 {n}ms 줄었다.",
    "다음 배포 전에 로그를 다시 확인해야 한다.",
    "요청 아이디로 두 로그를 연결할 수 있다.",
    "SQLite WAL 모드에서 쓰기 속도가 빨라졌다.",
    "팀 회의에서 nginx 설정을 함께 검토하기로 했다.",
    "백업 파일은 매일 새벽 {hh}시에 만든다.",
    "사용자 피드백을 정리해서 공유할 것.",
]
TAGS = ["nginx", "sqlite", "ops", "http", "perf", "backup", "tls", "search", "meeting", "todo", "idea",
        "bug", "release", "docs"]
# Search words: each occurs in many notes (English ones in TOPICS/SENTENCES, Korean ones stand alone).
SEARCH_WORDS = ["nginx", "sqlite", "latency", "cache", "deploy", "logs", "benchmark", "로그를", "캐시"]


def note(rng):
    """One note as (title, body, tags); about one in five is Korean."""
    korean = rng.random() < 0.2
    fill = {"n": rng.randint(2, 99), "hh": f"{rng.randint(0, 23):02d}", "mm": f"{rng.randint(0, 59):02d}"}
    if korean:
        topic = rng.choice(KO_TOPICS)
        title = rng.choice(KO_TITLES).format(t=topic)
        sentences, fill["t"] = KO_SENTENCES, topic
    else:
        topic = rng.choice(TOPICS)
        title = f"{rng.choice(OPENERS)} {topic}{rng.choice(ENDINGS)}"
        sentences, fill["topic"] = SENTENCES, topic
    target, parts = rng.randint(200, 600), []
    while sum(len(p) + 1 for p in parts) < target:
        parts.append(rng.choice(sentences).format(**fill))
        if rng.random() < 0.15:
            parts.append("\n\n")             # a paragraph break now and then
    body = " ".join(parts).replace(" \n\n ", "\n\n").strip()
    tags = rng.sample(TAGS, rng.randint(0, 3))
    return title, body, tags


def seed(db_file, count, rng):
    start = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    rows = []
    for i in range(count):
        title, body, tags = note(rng)
        # The app's own timestamp format (NoteRepository.TIMESTAMP); one note every ~20 minutes.
        stamp = (start + datetime.timedelta(minutes=20 * i)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        rows.append((title, body, json.dumps(tags, separators=(",", ":")), stamp, stamp))
    db = sqlite3.connect(db_file)
    with db:                                 # one transaction: 10 000 rows in well under a second
        if db.execute("SELECT count(*) FROM notes").fetchone()[0]:
            sys.exit(f"seed.py: {db_file} already has notes; seed a fresh database")
        db.executemany("INSERT INTO notes (title, body, tags, created_at, updated_at, version) "
                       "VALUES (?, ?, ?, ?, ?, 1)", rows)
    seeded = db.execute("SELECT count(*), max(id) FROM notes").fetchone()
    db.close()
    if seeded != (count, count):
        sys.exit(f"seed.py: expected ids 1..{count}, got count, max = {seeded}")


def write_lines(path, lines):
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")


def export_csv(db_file):
    """The seeded notes as CSV on stdout, in id order, for PostgreSQL's COPY (the PostgreSQL rows of run.sh)."""
    db = sqlite3.connect(db_file)
    writer = csv.writer(sys.stdout, lineterminator="\n")
    for row in db.execute("SELECT title, body, tags, created_at, updated_at, version FROM notes ORDER BY id"):
        writer.writerow(row)
    db.close()


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "csv":
        export_csv(sys.argv[2])
        return
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    db_file, count, out = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
    rng = random.Random(20261125)
    seed(db_file, count, rng)
    out.mkdir(parents=True, exist_ok=True)
    write_lines(out / "ids.txt", [f"/api/notes/{rng.randint(1, count)}" for _ in range(10000)])
    write_lines(out / "list.txt", ["/api/notes?limit=20"])
    write_lines(out / "search.txt", ["/api/notes?q=" + urllib.parse.quote(w) for w in SEARCH_WORDS])
    write_lines(out / "health.txt", ["/api/health"])
    write_lines(out / "static.txt", ["/bench/static"])
    bodies = []
    for _ in range(2000):
        title, body, tags = note(rng)
        bodies.append(json.dumps({"title": title, "body": body, "tags": tags}, ensure_ascii=False))
    write_lines(out / "bodies.jsonl", bodies)
    print(f"seeded {count} notes into {db_file}; request files in {out}")


if __name__ == "__main__":
    main()
