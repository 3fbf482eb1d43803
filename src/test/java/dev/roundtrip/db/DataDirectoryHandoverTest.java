package dev.roundtrip.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.roundtrip.db.DataDirectoryLock.Mode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hand-over mode of {@link DataDirectoryLock} (DATA_DIR_HANDOVER=on): one successor serves beside the app
 * on the same DATA_DIR and takes the directory over when the app exits; a second successor, a second plain app,
 * and a restore are all still refused.
 */
class DataDirectoryHandoverTest {

    private static final Map<String, String> HANDOVER = Map.of("DATA_DIR_HANDOVER", "on");

    @TempDir
    Path dataDir;

    @Test
    void aSuccessorThatFindsNoAppHoldsTheDataDirAtOnceAndLeavesRoomForTheNextSuccessor() {
        try (DataDirectoryLock first = DataDirectoryLock.acquire(dataDir, Mode.SUCCESSOR)) {
            assertTrue(first.holdsDataDir(), "nobody held byte 0: the successor is simply the app");
            var app = assertThrows(DataDirectoryLock.HeldException.class, () -> DataDirectoryLock.acquire(dataDir, Mode.APP));
            assertTrue(app.getMessage().contains("is locked by the app, pid " + ProcessHandle.current().pid()), app.getMessage());
            try (DataDirectoryLock next = DataDirectoryLock.acquire(dataDir, Mode.SUCCESSOR)) {
                assertFalse(next.holdsDataDir(), "the next upgrade's successor waits beside it");
            }
        }
    }

    @Test
    void aSuccessorWaitsBesideTheAppAndTakesOverWhenItsLockIsReleased() throws Exception {
        DataDirectoryLock app = DataDirectoryLock.acquire(dataDir, Mode.APP);
        try (DataDirectoryLock successor = DataDirectoryLock.acquire(dataDir, Mode.SUCCESSOR)) {
            assertFalse(successor.holdsDataDir(), "the app still holds byte 0");
            Thread.sleep(3 * DataDirectoryLock.TAKE_OVER_POLL_MS);
            assertFalse(successor.holdsDataDir(), "polling does not take a byte that is held");
            app.close();
            await(successor::holdsDataDir, "the successor to take over");
            assertThrows(DataDirectoryLock.HeldException.class, () -> DataDirectoryLock.acquire(dataDir, Mode.APP),
                    "byte 0 is the successor's now");
            DataDirectoryLock.acquire(dataDir, Mode.SUCCESSOR).close(); // byte 2 was let go: the next upgrade may start
        } finally {
            app.close();
        }
    }

    @Test
    void onlyOneSuccessorMayWaitAndARestoreExcludesItBothWays() {
        try (DataDirectoryLock app = DataDirectoryLock.acquire(dataDir, Mode.APP);
             DataDirectoryLock successor = DataDirectoryLock.acquire(dataDir, Mode.SUCCESSOR)) {
            var second = assertThrows(DataDirectoryLock.HeldException.class, () -> DataDirectoryLock.acquire(dataDir, Mode.SUCCESSOR));
            assertEquals("DATA_DIR " + dataDir.toAbsolutePath() + " is in use: a second app started with DATA_DIR_HANDOVER=on is "
                    + "waiting to take it over (it holds " + app.file() + "); stop it or set another DATA_DIR", second.getMessage());
        }
        try (DataDirectoryLock successor = DataDirectoryLock.acquire(dataDir, Mode.SUCCESSOR);
             DataDirectoryLock waiting = DataDirectoryLock.acquire(dataDir, Mode.SUCCESSOR)) {
            var restore = assertThrows(DataDirectoryLock.HeldException.class, () -> DataDirectoryLock.acquire(dataDir, Mode.RESTORE));
            assertTrue(restore.getMessage().startsWith("cannot restore into " + dataDir.toAbsolutePath() + ": "), restore.getMessage());
        }
        try (DataDirectoryLock restore = DataDirectoryLock.acquire(dataDir, Mode.RESTORE)) {
            var successor = assertThrows(DataDirectoryLock.HeldException.class, () -> DataDirectoryLock.acquire(dataDir, Mode.SUCCESSOR));
            assertTrue(successor.getMessage().contains("is locked by make restore") || successor.getMessage().contains("DATA_DIR_HANDOVER"),
                    successor.getMessage());
        }
    }

    @Test
    void aSuccessorStoppedBeforeTheHandOverNeverTakesTheDataDir() throws Exception {
        DataDirectoryLock app = DataDirectoryLock.acquire(dataDir, Mode.APP);
        DataDirectoryLock successor = DataDirectoryLock.acquire(dataDir, Mode.SUCCESSOR);
        successor.close();
        app.close();
        Thread.sleep(3 * DataDirectoryLock.TAKE_OVER_POLL_MS); // a waiter left running would take byte 0 by now
        assertFalse(successor.holdsDataDir());
        DataDirectoryLock.acquire(dataDir, Mode.RESTORE).close(); // nothing holds any byte
    }

    @Test
    void twoAppProcessesShareTheFileDuringAHandOverAndTheSuccessorCarriesOnAlone() throws Exception {
        try (ChildApp successor = handOver()) {
            assertEquals(201, successor.createNote("after the old app stopped"));
            var restore = assertThrows(DataDirectoryLock.HeldException.class,
                    () -> Backup.restore(dataDir.resolve("none.db"), dataDir.resolve("roundtrip.db")));
            assertTrue(restore.getMessage().contains("is locked by the app, pid " + successor.pid() + " on host "), restore.getMessage());
            var plain = ChildApp.runToExit(dataDir, Map.of());
            assertEquals(2, plain.getKey(), plain.getValue());
        }
    }

    /** Old app, then a successor beside it; both write and read each other's notes; the old one stops. */
    private ChildApp handOver() throws Exception {
        ChildApp successor = null;
        try (ChildApp old = ChildApp.start(dataDir, Map.of())) {
            assertEquals(201, old.createNote("by the old app"));
            successor = ChildApp.start(dataDir, HANDOVER);
            assertEquals(201, successor.createNote("by the successor, beside the old app"));
            assertEquals(201, old.createNote("by the old app, beside the successor"));
            for (ChildApp app : new ChildApp[] {old, successor}) {
                String list = get(app.port, "/api/notes?limit=10");
                assertTrue(list.contains("by the old app, beside the successor") && list.contains("by the successor, beside"), list);
            }
            var third = ChildApp.runToExit(dataDir, HANDOVER);
            assertEquals(2, third.getKey(), third.getValue());
            assertTrue(third.getValue().contains("is waiting to take it over"), third.getValue());
        } catch (Exception | Error e) {
            if (successor != null) {
                successor.close();
            }
            throw e;
        }
        ChildApp taken = successor;
        await(() -> output(taken).contains("the previous app has exited; this app now holds"), "the successor to take over");
        return successor;
    }

    private static String output(ChildApp app) {
        try {
            return app.output();
        } catch (java.io.IOException e) {
            return "";
        }
    }

    private static String get(int port, String path) throws Exception {
        HttpResponse<String> res = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, res.statusCode(), res.body());
        return res.body();
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after 10 s waiting for " + what);
            }
            Thread.sleep(20);
        }
    }
}
