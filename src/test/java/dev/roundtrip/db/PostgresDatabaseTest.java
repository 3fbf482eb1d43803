package dev.roundtrip.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.roundtrip.Config;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The PostgreSQL side of {@link Database}, on a real server: start-up, migrations, losing the server and getting it back. */
class PostgresDatabaseTest {

    @Test
    void anUnreachableServerStopsTheStartWithOneClearMessage() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort(); // free once this block ends: nobody listens there
        }
        long started = System.nanoTime();
        Database.OpenException e = assertThrows(Database.OpenException.class, () -> Database.open(
                new Config.Postgres("jdbc:postgresql://127.0.0.1:" + closedPort + "/roundtrip?password=secret", "rt", "pw", 2), null));
        assertTrue(e.getMessage().startsWith("cannot open the postgresql database at jdbc:postgresql://127.0.0.1:" + closedPort
                + "/roundtrip?password=****: "), e.getMessage());
        assertTrue(e.getMessage().contains("refused"), e.getMessage());
        assertFalse(e.getMessage().contains("secret"), "the password never reaches the message");
        assertTrue(Duration.ofNanos(System.nanoTime() - started).toSeconds() < 15, "it gives up within seconds");
    }

    @Test
    void migrationsCreateTheSchemaWithTheSearchIndexOnce() {
        Config.Postgres database = PostgresServer.shared().newDatabase();
        try (Database db = Database.open(database, null)) {
            assertEquals(Database.Engine.POSTGRESQL, db.engine());
            List<String> indexes = db.jdbi().withHandle(h -> h.select(
                    "SELECT indexname FROM pg_indexes WHERE tablename = 'notes' ORDER BY indexname").mapTo(String.class).list());
            assertTrue(indexes.contains("notes_search"), "the pg_trgm GIN index: " + indexes);
        }
        try (Database db = Database.open(database, null)) { // a second start applies nothing new
            assertEquals(4, (int) db.jdbi().withHandle(h -> h.select(
                    "SELECT count(*) FROM flyway_schema_history WHERE success").mapTo(Integer.class).one()));
        }
    }

    @Test
    void aReadPastItsBoundIsCancelledByStatementTimeoutAndLeavesNoTimeoutOnThePool() {
        try (Database db = Database.open(PostgresServer.shared().newDatabase(), null)) {
            long started = System.nanoTime();
            RuntimeException e = assertThrows(Database.TooSlowException.class, () -> db.readWithin(Duration.ofMillis(200),
                    h -> h.select("SELECT pg_sleep(30)").mapTo(String.class).one()));
            assertTrue(Duration.ofNanos(System.nanoTime() - started).toMillis() < 5_000, "stopped near its bound: " + e);
            assertFalse(DatabaseErrors.isUnavailable(e), "the statement's fault, not an unavailable server");
            for (int i = 0; i < 10; i++) { // SET LOCAL ended with its transaction: no connection keeps the bound
                assertEquals("0", db.jdbi().withHandle(h -> h.select("SHOW statement_timeout").mapTo(String.class).one()));
            }
        }
    }

    @Test
    void readinessFollowsTheServerDownAndBackWithoutARestart() throws Exception {
        try (PostgresServer server = PostgresServer.startPrivate(); Database db = Database.open(server.newDatabase(), null)) {
            assertTrue(db.isReachable(Duration.ofSeconds(1)));
            server.stop();
            assertFalse(db.isReachable(Duration.ofSeconds(1)), "a stopped server is not reachable");
            RuntimeException failure = assertThrows(RuntimeException.class,
                    () -> db.jdbi().withHandle(h -> h.select("SELECT count(*) FROM notes").mapTo(Long.class).one()));
            assertTrue(DatabaseErrors.isUnavailable(failure), "answered 503, not 500: " + failure);
            server.start();
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (!db.isReachable(Duration.ofSeconds(1))) { // the pool replaces its broken connections by itself
                assertTrue(System.nanoTime() < deadline, "reachable again within 20 s of the server's return");
                Thread.sleep(200);
            }
            long notes = db.jdbi().withHandle(h -> h.select("SELECT count(*) FROM notes").mapTo(Long.class).one());
            assertEquals(0, notes);
        }
    }
}
