# The Javalin app as a container: build the fat jar with Maven, then run it on a JRE-only image.
# Build from the repository root:  docker build -f docker/app.Dockerfile -t roundtrip-app .

# ---- Stage 1: build ---------------------------------------------------------------------------------
FROM debian:bookworm-slim AS build
# Slim images drop man pages, and some JDK package scripts still expect this directory to exist.
RUN mkdir -p /usr/share/man/man1 \
 && apt-get update \
 && apt-get install -y --no-install-recommends maven openjdk-17-jdk-headless \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src

# The pom alone first: the dependency download is cached as its own layer and is reused for every
# source-only change (the slow step runs again only when pom.xml changes).
COPY pom.xml .
RUN mvn -B -q dependency:go-offline

COPY src ./src
# Tests run in CI (`make test`), not in the image build; the shade plugin writes target/roundtrip.jar.
RUN mvn -B -q -DskipTests package

# ---- Stage 2: run -----------------------------------------------------------------------------------
FROM debian:bookworm-slim
# Only a JRE (no compiler, no Maven), plus curl for the health check that compose.yaml runs.
RUN mkdir -p /usr/share/man/man1 \
 && apt-get update \
 && apt-get install -y --no-install-recommends openjdk-17-jre-headless curl \
 && rm -rf /var/lib/apt/lists/*

# An unprivileged user: a bug in the app cannot touch the rest of the container as root.
RUN useradd --system --user-group --home-dir /app --shell /usr/sbin/nologin roundtrip \
 && mkdir -p /app /data \
 && chown roundtrip:roundtrip /data
COPY --from=build /src/target/roundtrip.jar /app/roundtrip.jar

# The SQLite database lives here; a volume keeps it when the container is replaced.
VOLUME /data

# 0.0.0.0: inside a container, 127.0.0.1 would be unreachable from the nginx container.
# The Makefile's default JAVA_OPTS: SerialGC and a 64 MB heap keep the app at 210-230 MB of memory under load
# (docs/performance.md); raise -Xmx with JAVA_OPTS if needed.
# ExitOnOutOfMemoryError: a JVM out of memory is broken; exiting lets the restart policy start a fresh one.
ENV APP_HOST=0.0.0.0 \
    APP_PORT=8000 \
    DATA_DIR=/data \
    JAVA_OPTS="-XX:+UseSerialGC -Xmx64m -Xss512k -XX:+ExitOnOutOfMemoryError"

USER roundtrip
WORKDIR /app
EXPOSE 8000
# `exec` replaces the shell with java, so `docker stop`'s SIGTERM reaches the JVM (graceful shutdown).
CMD ["sh", "-c", "exec java $JAVA_OPTS -jar /app/roundtrip.jar"]
