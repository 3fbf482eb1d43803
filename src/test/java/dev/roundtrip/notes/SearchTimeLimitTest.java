package dev.roundtrip.notes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.roundtrip.TestApps;
import dev.roundtrip.db.Database;
import dev.roundtrip.http.ProblemException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A search past its time bound is stopped and answered 422 on either store, and the store serves on. */
class SearchTimeLimitTest {

    private static final int NOTES = 50_000;

    @TempDir
    Path dataDir;

    @Test
    void aSearchPastItsBoundIs422SearchTooSlowAndTheNextRequestsAreServed() {
        try (Database db = Database.open(TestApps.config(dataDir), null)) {
            db.write(h -> h.execute("INSERT INTO notes (title, body, tags, created_at, updated_at, version)"
                    + " WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " + NOTES + ")"
                    + " SELECT 'note ' || i, 'a body of some length to scan', '[]', '2026-01-01T00:00:00Z',"
                    + " '2026-01-01T00:00:00Z', 1 FROM n"));
            ObjectMapper json = new ObjectMapper().findAndRegisterModules();
            NoteRepository hurried = new NoteRepository(db, json, Clock.systemUTC(), Duration.ofMillis(1), gate());
            NoteListRequest shortWords = NoteListRequest.from(Map.of("q", List.of("zq xj"))); // no index: a scan of every note
            ProblemException tooSlow = assertThrows(ProblemException.class, () -> hurried.list(shortWords));
            assertEquals(422, tooSlow.status());
            assertEquals("/problems/search-too-slow", tooSlow.type());
            assertTrue(tooSlow.getMessage().contains("longer"), tooSlow.getMessage());

            NoteRepository patient = new NoteRepository(db, json, Clock.systemUTC(), NoteRepository.SEARCH_LIMIT, gate());
            for (int i = 0; i < 10; i++) { // more than the pool has connections: none kept a deadline or a failed transaction
                assertEquals(List.of(), patient.list(shortWords).items());
            }
            assertEquals(20, patient.list(NoteListRequest.from(Map.of())).items().size());
        }
    }

    private static SearchGate gate() {
        return new SearchGate(SearchGate.CONCURRENT, SearchGate.WAITING, SearchGate.WAIT);
    }
}
