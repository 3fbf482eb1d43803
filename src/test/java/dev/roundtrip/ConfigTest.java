package dev.roundtrip;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
}
