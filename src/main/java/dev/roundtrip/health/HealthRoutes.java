package dev.roundtrip.health;

import static io.javalin.apibuilder.ApiBuilder.get;

import dev.roundtrip.db.Database;
import dev.roundtrip.http.ProblemException;
import io.javalin.http.Context;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Liveness and readiness, the two questions an operator (or Docker, or a load balancer) asks:
 * "is the process alive?" (never touches the database, so a slow database doesn't get the app
 * restarted) and "can it serve requests now?" (the real file or table, bounded in time: a missing, corrupt,
 * locked or full store answers 503 with the reason, and 200 again once it is fixed).
 */
public final class HealthRoutes {

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(1);
    private final Database database;

    public HealthRoutes(Database database) {
        this.database = database;
    }

    /** Declares the routes; call inside {@code path("api", …)}. */
    public void addRoutes() {
        get("health", this::live);
        get("ready", this::ready);
    }

    /** The body of a successful readiness probe; a record keeps the JSON field order stable. */
    record Readiness(String status, String database) {
    }

    void live(Context ctx) {
        ctx.json(Map.of("status", "up"));
    }

    void ready(Context ctx) {
        Database.Readiness readiness = database.readiness(READY_TIMEOUT);
        if (!readiness.ready()) { // the reason is for the operator: what is wrong with the store, not a stack trace
            throw new ProblemException(503, "about:blank", "Service Unavailable",
                    "Not ready: " + readiness.reason() + ".", List.of());
        }
        ctx.json(new Readiness("ready", "ok"));
    }
}
