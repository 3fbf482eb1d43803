package dev.roundtrip.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.roundtrip.Config;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real app in a process of its own, on a real PostgreSQL server: everything it prints, searched for the password. */
class PasswordMaskingTest {

    @TempDir
    Path dataDir;

    @Test
    void aPasswordInTheDatabaseUrlAppearsNowhereInWhatARunningAppPrints() throws Exception {
        PostgresServer server = PostgresServer.shared();
        Config.Postgres database = server.newDatabase(); // its URL carries password=
        String password = passwordIn(database.url());
        ChildApp app = ChildApp.start(dataDir, Map.of("DATABASE_URL", database.url()));
        assertEquals(201, app.createNote("masked"));
        String output = app.stop();
        assertTrue(output.contains("with database PostgreSQL jdbc:postgresql://127.0.0.1:" + server.port() + "/"), output);
        assertTrue(output.contains("password=****"), "the startup line shows where the password was: " + output);
        assertFalse(output.contains(password), output);
    }

    @Test
    void aWrongPasswordOrACredentialInTheHostPartStopsTheAppWithOneMaskedLine() throws Exception {
        PostgresServer server = PostgresServer.shared();
        String url = "jdbc:postgresql://127.0.0.1:" + server.port() + "/postgres?user=postgres&password=Wrong-Secret-123";
        var wrong = ChildApp.runToExit(dataDir, Map.of("DATABASE_URL", url));
        assertEquals(2, wrong.getKey(), wrong.getValue());
        assertTrue(wrong.getValue().contains("roundtrip: cannot open the postgresql database at jdbc:postgresql://127.0.0.1:"
                + server.port() + "/postgres?user=postgres&password=****: FATAL: password authentication failed"), wrong.getValue());
        assertFalse(wrong.getValue().contains("Wrong-Secret-123"), wrong.getValue());

        String userinfo = "jdbc:postgresql://postgres:Userinfo-Secret-456@127.0.0.1:" + server.port() + "/postgres";
        var refused = ChildApp.runToExit(dataDir, Map.of("DATABASE_URL", userinfo));
        assertEquals(2, refused.getKey(), refused.getValue());
        assertEquals("roundtrip: DATABASE_URL must not carry user:password@ (the PostgreSQL driver reads it as a host name), "
                + "got 'jdbc:postgresql://postgres:****@127.0.0.1:" + server.port() + "/postgres'; set DATABASE_USER and "
                + "DATABASE_PASSWORD", refused.getValue().strip());
    }

    private static String passwordIn(String url) {
        String password = url.replaceFirst(".*[?&]password=([^&]*).*", "$1");
        assertTrue(password.length() >= 16 && !password.equals(url), "the test server has a generated password: " + url);
        return password;
    }
}
