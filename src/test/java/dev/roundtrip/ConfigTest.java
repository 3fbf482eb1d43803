package dev.roundtrip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigTest {

    @Test
    void defaultsBindLoopbackPort8000AndDataDir() {
        Config config = Config.fromEnv(Map.of());
        assertEquals("127.0.0.1", config.host());
        assertEquals(8000, config.port());
        assertEquals(Path.of("./data/roundtrip.db"), config.databaseFile());
        assertEquals(Config.Synchronous.NORMAL, config.synchronous());
        assertEquals(16, config.threads());
    }

    @Test
    void valuesComeFromTheEnvironment() {
        Config config = Config.fromEnv(Map.of("APP_HOST", "0.0.0.0", "APP_PORT", "9001", "DATA_DIR", "/srv/rt",
                "SQLITE_SYNCHRONOUS", "full", "APP_THREADS", "8"));
        assertEquals("0.0.0.0", config.host());
        assertEquals(9001, config.port());
        assertEquals(Path.of("/srv/rt/roundtrip.db"), config.databaseFile());
        assertEquals(Config.Synchronous.FULL, config.synchronous());
        assertEquals(8, config.threads());
    }

    @Test
    void badValuesStopWithOneMessageNamingTheVariable() {
        for (var env : new Map[] {Map.of("APP_PORT", "eighty"), Map.of("APP_PORT", "70000"), Map.of("APP_PORT", "-1")}) {
            @SuppressWarnings("unchecked")
            var e = assertThrows(Config.ConfigException.class, () -> Config.fromEnv(env));
            assertTrue(e.getMessage().startsWith("APP_PORT must be a number from 0 to 65535"), e.getMessage());
        }
        var sync = assertThrows(Config.ConfigException.class, () -> Config.fromEnv(Map.of("SQLITE_SYNCHRONOUS", "OFF")));
        assertEquals("SQLITE_SYNCHRONOUS must be NORMAL or FULL, got 'OFF'", sync.getMessage());
        var threads = assertThrows(Config.ConfigException.class, () -> Config.fromEnv(Map.of("APP_THREADS", "2")));
        assertEquals("APP_THREADS must be a number of threads from 4 to 1000, got '2'", threads.getMessage());
        var host = assertThrows(Config.ConfigException.class, () -> Config.fromEnv(Map.of("APP_HOST", " ")));
        assertTrue(host.getMessage().startsWith("APP_HOST must not be empty"));
    }

    @Test
    void dataDirHandoverIsOffUnlessSetToOnAndAnythingElseIsRefused() {
        assertEquals(false, Config.fromEnv(Map.of()).handover());
        assertEquals(true, Config.fromEnv(Map.of("DATA_DIR_HANDOVER", "on")).handover());
        var e = assertThrows(Config.ConfigException.class, () -> Config.fromEnv(Map.of("DATA_DIR_HANDOVER", "yes")));
        assertEquals("DATA_DIR_HANDOVER must be on (start beside the app on DATA_DIR and take over when it exits) or off, got 'yes'",
                e.getMessage());
    }

    @Test
    void passwordsInADatabaseUrlAreMaskedInEveryMessage() {
        assertEquals("jdbc:postgresql://h/db?user=u&password=****&sslpassword=****&ssl=true",
                Secrets.maskUrl("jdbc:postgresql://h/db?user=u&password=s3cr%40t&sslpassword=k3y&ssl=true"));
        assertEquals("postgres://u:****@h:5432/db", Secrets.maskUrl("postgres://u:p@ss:w@h:5432/db"));
        assertEquals("jdbc:postgresql://h:5432/db", Secrets.maskUrl("jdbc:postgresql://h:5432/db"));

        var scheme = assertThrows(Config.ConfigException.class,
                () -> Config.fromEnv(Map.of("DATABASE_URL", "postgresql://u:hunter22@h/db?password=hunter22")));
        assertFalse(scheme.getMessage().contains("hunter22"), scheme.getMessage());
        var userinfo = assertThrows(Config.ConfigException.class,
                () -> Config.fromEnv(Map.of("DATABASE_URL", "jdbc:postgresql://u:hunter22@h/db")));
        assertTrue(userinfo.getMessage().startsWith("DATABASE_URL must not carry user:password@"), userinfo.getMessage());
        assertFalse(userinfo.getMessage().contains("hunter22"), userinfo.getMessage());
        Config ok = Config.fromEnv(Map.of("DATABASE_URL", "jdbc:postgresql://h/db?password=hunter22", "DATABASE_PASSWORD", "x"));
        assertFalse(ok.postgres().toString().contains("hunter22"), ok.postgres().toString());
    }

    @Test
    void theStandardStreamsMaskEveryKnownPasswordEvenWhenALibraryQuotesIt() {
        var secrets = Secrets.fromEnv(Map.of("DATABASE_PASSWORD", "env-secret",
                "DATABASE_URL", "jdbc:postgresql://h/db?password=url%2Bsecret"));
        assertEquals(java.util.Set.of("env-secret", "url%2Bsecret", "url+secret"), secrets);
        var captured = new java.io.ByteArrayOutputStream();
        try (var out = Secrets.masking(captured, secrets)) {
            out.print("host env-sec"); // a secret split across two writes
            out.println("ret unknown; url+secret; url%2Bsecret");
            new IllegalStateException("bad sslmode env-secret").printStackTrace(out);
        }
        String text = captured.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(text.startsWith("host **** unknown; ****; ****\njava.lang.IllegalStateException: bad sslmode ****"), text);
        assertFalse(text.contains("secret"), text);
    }

    @Test
    void aPasswordFileGivesThePasswordAndAMissingOneIsOneClearMessage(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path file = java.nio.file.Files.writeString(dir.resolve("password"), "generated-123\n");
        Config config = Config.fromEnv(Map.of("DATABASE_URL", "jdbc:postgresql://h/db", "DATABASE_PASSWORD_FILE", file.toString()));
        assertEquals("generated-123", config.postgres().password());
        assertEquals(java.util.Set.of("generated-123"), Secrets.fromEnv(Map.of("DATABASE_PASSWORD_FILE", file.toString())));
        var missing = assertThrows(Config.ConfigException.class, () -> Config.fromEnv(Map.of("DATABASE_URL",
                "jdbc:postgresql://h/db", "DATABASE_PASSWORD_FILE", dir.resolve("none").toString())));
        assertTrue(missing.getMessage().startsWith("DATABASE_PASSWORD_FILE names a file that cannot be read: "), missing.getMessage());
    }
}
