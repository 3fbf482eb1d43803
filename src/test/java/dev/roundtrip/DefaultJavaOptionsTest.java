package dev.roundtrip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The JVM settings the benchmark measures are the ones that ship: the Makefile's default JAVA_OPTS (make run,
 * run-app, bench) must be the container's (docker/app.Dockerfile) and bench/run.sh's own fallback.
 */
class DefaultJavaOptionsTest {

    @Test
    void makefileDockerfileAndBenchmarkShareOneDefault() throws IOException {
        String makefile = find("Makefile", "(?m)^export JAVA_OPTS \\?= (.+)$");
        assertEquals(makefile, find("docker/app.Dockerfile", "(?m)^\\s+JAVA_OPTS=\"([^\"]+)\""), "docker/app.Dockerfile");
        assertEquals(makefile, find("bench/run.sh", "(?m)^JAVA_OPTS=\\$\\{JAVA_OPTS:-([^}]+)\\}$"), "bench/run.sh");
        assertTrue(makefile.contains("-Xmx"), "a heap limit: without one the JVM takes a quarter of the machine's memory");
    }

    private static String find(String file, String regex) throws IOException {
        Matcher m = Pattern.compile(regex).matcher(Files.readString(Path.of(file)));
        assertTrue(m.find(), file + " has no default JAVA_OPTS matching " + regex);
        return m.group(1).strip();
    }
}
