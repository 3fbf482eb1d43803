# Roundtrip's commands. `make help` lists them; each does its own set-up (tools, jar, certificate).
SHELL := /bin/bash
.DEFAULT_GOAL := help

JAR := target/roundtrip.jar
MVN := mvn -B -q
# Tools every target needs: a JDK 17+ and Maven (they fetch everything else).
JAVA_TOOLS := java=openjdk-17-jdk-headless javac=openjdk-17-jdk-headless mvn=maven
# What the edge and its tests need: Debian's Nginx, OpenSSL for the certificate, envsubst for templates, curl.
EDGE_TOOLS := nginx=nginx openssl=openssl envsubst=gettext-base curl=curl

.PHONY: help build test run run-app backup restore compose-config clean

help: ## list the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

build: ## build the runnable jar (target/roundtrip.jar)
	@scripts/require.sh $(JAVA_TOOLS)
	$(MVN) -DskipTests package
	@echo "built $(JAR)"

test: ## run every test: unit, integration (real SQLite) and end-to-end (real Nginx over HTTPS)
	@scripts/require.sh $(JAVA_TOOLS) $(EDGE_TOOLS)
	mvn -B verify

run: build ## Nginx (https://localhost:8443) in front of the app; Ctrl-C stops both
	@scripts/require.sh $(EDGE_TOOLS)
	scripts/run.sh

run-app: build ## the app alone on 127.0.0.1:8000 (APP_HOST, APP_PORT, DATA_DIR, SQLITE_SYNCHRONOUS)
	exec java $${JAVA_OPTS:-} -jar $(JAR)

backup: build ## consistent online copy of the database into DATA_DIR/backups/ (the app may keep running)
	java -cp $(JAR) dev.roundtrip.db.Backup backup

restore: build ## restore FILE=DATA_DIR/backups/….db into DATA_DIR (stop the app first)
	@test -n "$(FILE)" || { echo "usage: make restore FILE=data/backups/roundtrip-….db"; exit 2; }
	java -cp $(JAR) dev.roundtrip.db.Backup restore "$(FILE)"

compose-config: ## check compose.yaml against docker-compose's schema (no Docker engine needed)
	@scripts/require.sh docker-compose=docker-compose
	docker-compose -f compose.yaml config --quiet && echo "compose.yaml is valid"

clean: ## remove build output (keeps data/)
	$(MVN) clean
