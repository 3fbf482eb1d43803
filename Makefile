# Roundtrip's commands. `make help` lists them; each does its own set-up (tools, jar, certificate).
SHELL := /bin/bash
.DEFAULT_GOAL := help

JAR := target/roundtrip.jar
MVN := mvn -B -q
# Tools every target needs: a JDK 17+ and Maven (they fetch everything else).
JAVA_TOOLS := java=openjdk-17-jdk-headless javac=openjdk-17-jdk-headless mvn=maven
# What the edge and its tests need: Debian's Nginx, OpenSSL for the certificate, envsubst for templates, curl, and
# ss (render-nginx.sh keeps the write hop's socket while an Nginx listens on it).
EDGE_TOOLS := nginx=nginx openssl=openssl envsubst=gettext-base curl=curl ss=iproute2
# Node and npm install newman (Postman's runner) and Swagger UI (the /docs/ page) from package-lock.json.
NODE_TOOLS := node=nodejs npm=npm
# What the end-to-end tests add: the guide's commands (docs/guide.md), a browser with a Korean font for the
# page tests and its WebDriver (LoginFlowIT's Selenium drives Chromium through chromedriver), the load
# generators of the soak test and the benchmark's smoke run, and PostgreSQL (tests run on both stores).
TEST_TOOLS := jq=jq sqlite3=sqlite3 ss=iproute2 ip=iproute2 ps=procps getent=libc-bin tcpdump=tcpdump \
	chromium=chromium chromedriver=chromium-driver /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc=fonts-noto-cjk \
	wrk=wrk h2load=nghttp2-client gnuplot=gnuplot-nox pg_createcluster=postgresql
# The TLS scan: Debian's testssl.sh (3.0.8 on bookworm) and jq to read its JSON; ss finds a free port.
TLS_SCAN_TOOLS := testssl=testssl.sh jq=jq ss=iproute2
# The JVM's default settings for make run, run-app and bench (the same in docker/app.Dockerfile): SerialGC and a
# 64 MB heap keep the app at 210-230 MB of memory with the throughput of larger settings (docs/performance.md).
export JAVA_OPTS ?= -XX:+UseSerialGC -Xmx64m -Xss512k -XX:+ExitOnOutOfMemoryError
# Swagger UI's files, copied out of node_modules for Nginx to serve at /docs/ (git-ignored).
SWAGGER_UI := nginx/html/docs/vendor/VERSION

.PHONY: help build test fuzz run run-app postman tls-scan chaos soak bench backup restore compose-config compose-test acme-test deploy-check upgrade-test clean

help: ## list the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

build: ## build the runnable jar (target/roundtrip.jar)
	@scripts/require.sh $(JAVA_TOOLS)
	$(MVN) -DskipTests package
	@echo "built $(JAR)"

test: $(SWAGGER_UI) ## run every test: unit, integration (real SQLite), end-to-end (real Nginx, HTTPS, Chromium), a short fuzzing run
	@scripts/require.sh $(JAVA_TOOLS) $(EDGE_TOOLS) $(TEST_TOOLS)
	mvn -B verify
	FUZZ_SECONDS=$${FUZZ_SMOKE_SECONDS:-15} scripts/fuzz.sh

fuzz: ## fuzz every input surface with Jazzer, FUZZ_SECONDS each (default 120); prints executions and findings
	@scripts/require.sh $(JAVA_TOOLS)
	FUZZ_KEEP_GOING=$${FUZZ_KEEP_GOING:-10} scripts/fuzz.sh

run: build $(SWAGGER_UI) ## Nginx (https://localhost:8443) in front of the app; REPLICAS=3 DB=postgres to scale out
	@scripts/require.sh $(EDGE_TOOLS) $(if $(filter postgres,$(DB)),pg_createcluster=postgresql)
	scripts/run.sh

run-app: build ## the app alone on 127.0.0.1:8000 (APP_HOST, APP_PORT, DATA_DIR, SQLITE_SYNCHRONOUS, JAVA_OPTS)
	exec java $$JAVA_OPTS -jar $(JAR)

postman: build $(SWAGGER_UI) ## run the Postman collection with newman against a fresh stack (as make run starts it)
	@scripts/require.sh $(EDGE_TOOLS)
	scripts/postman.sh

tls-scan: ## testssl.sh against the edge (Nginx as rendered, on loopback): fails on MEDIUM+, TLS < 1.2, weak ciphers
	@scripts/require.sh $(EDGE_TOOLS) $(TLS_SCAN_TOOLS)
	scripts/tls-scan.sh

chaos: $(SWAGGER_UI) ## kill -9 the app 20 times under writes through Nginx; prints acknowledged and lost writes
	@scripts/require.sh $(JAVA_TOOLS) $(EDGE_TOOLS) sqlite3=sqlite3
	mvn -B verify -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=ChaosIT -Dchaos.cycles=$${CHAOS_CYCLES:-20}

soak: $(SWAGGER_UI) ## 256 connections for 60 s through Nginx (reads, lists, searches, writes); prints p50/p99
	@scripts/require.sh $(JAVA_TOOLS) $(EDGE_TOOLS) wrk=wrk
	mvn -B verify -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=SoakIT -Dsoak.seconds=$${SOAK_SECONDS:-60}

upgrade-test: $(SWAGGER_UI) ## scripts/upgrade.sh under load: a SQLite hand-over to a second port, a rolling restart of 3 PostgreSQL replicas; 0 failed requests
	@scripts/require.sh $(JAVA_TOOLS) $(EDGE_TOOLS) pg_createcluster=postgresql pgrep=procps setsid=util-linux sha256sum=coreutils
	mvn -B verify -Dfuzz.skip=true -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=UpgradeIT

bench: build ## measure every hop side by side (minutes): table, bench/results.json, bench/results.png
	scripts/bench.sh

backup: build ## consistent online copy of the database into DATA_DIR/backups/ (the app may keep running)
	java -cp $(JAR) dev.roundtrip.db.Backup backup

restore: build ## restore FILE=DATA_DIR/backups/….db into DATA_DIR (refused while an app or a backup uses DATA_DIR)
	@test -n "$(FILE)" || { echo "usage: make restore FILE=data/backups/roundtrip-….db"; exit 2; }
	java -cp $(JAR) dev.roundtrip.db.Backup restore "$(FILE)"

compose-config: ## check compose.yaml (and compose.postgres.yaml on top) against docker-compose's schema, no engine needed
	@scripts/require.sh docker-compose=docker-compose
	docker-compose -f compose.yaml config --quiet && echo "compose.yaml is valid"
	docker-compose -f compose.yaml -f compose.postgres.yaml config --quiet && echo "compose.yaml + compose.postgres.yaml is valid"

compose-test: ## build the images and run compose.yaml on a private Docker engine (root; minutes)
	scripts/compose-test.sh

acme-test: build ## a certificate from an ACME server (Pebble) via certbot, offline: issue, renew under load, bad input
	@scripts/require.sh $(EDGE_TOOLS) pebble=pebble pebble-challtestsrv=pebble certbot=certbot dig=bind9-dnsutils timeout=coreutils
	scripts/acme-test.sh

deploy-check: build ## deploy/ into a temp root (root): nginx -t, systemd-analyze verify + security scores, exposure, backups; hostile inputs for the deploy scripts
	@scripts/require.sh $(EDGE_TOOLS) systemd-analyze=systemd systemd-sysusers=systemd systemd-tmpfiles=systemd \
		unshare=util-linux setpriv=util-linux nsenter=util-linux flock=util-linux nft=nftables logrotate=logrotate python3=python3
	scripts/deploy-check.sh
	scripts/deploy-tools-test.sh   # hostile inputs for prune-backups, check-exposure, upgrade.sh, render-nginx.sh

clean: ## remove build output (keeps data/)
	$(MVN) clean

# Node packages at the versions package-lock.json pins; --ignore-scripts: no install scripts run.
node_modules/.package-lock.json: package-lock.json
	@scripts/require.sh $(NODE_TOOLS)
	npm ci --ignore-scripts --no-audit --no-fund

$(SWAGGER_UI): node_modules/.package-lock.json scripts/vendor-swagger-ui.sh
	scripts/vendor-swagger-ui.sh nginx/html/docs/vendor
