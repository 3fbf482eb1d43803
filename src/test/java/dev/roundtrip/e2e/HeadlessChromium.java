package dev.roundtrip.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Debian's Chromium, headless, for the page tests: one run per call, bounded in time, with a fresh profile.
 * Only loopback traffic: background services are off and every host name but localhost fails to resolve,
 * so no request can leave the machine.
 */
final class HeadlessChromium {

    private static final Path BINARY = Path.of("/usr/bin/chromium");
    private static final long RUN_SECONDS = 60;
    /** Page time Chromium lets pass (timers, fetches) before it dumps or screenshots: ample for our pages. */
    private static final int VIRTUAL_TIME_MS = 15_000;

    /** What Chromium printed on stdout (the DOM for --dump-dom) and its log, including the page's console. */
    record Page(String output, String log) {

        /** CSP violations, script errors and failed loads are logged to the console, which Chromium copies to stderr. */
        void assertNoConsoleErrors() {
            for (String line : log.split("\n")) {
                if (line.contains(":CONSOLE") && (line.contains("Content Security Policy") || line.contains("Uncaught")
                        || line.contains("Failed to load resource"))) {
                    fail("the page logged: " + line);
                }
            }
        }
    }

    private HeadlessChromium() {
    }

    static void requireInstalled() {
        if (!Files.isExecutable(BINARY)) {
            fail(BINARY + " not found: `make test` installs it (as root), or: sudo apt-get install -y chromium");
        }
    }

    /** The page's DOM once its scripts have run; {@code flags} go before the URL (e.g. --lang=ko). */
    static Page dumpDom(Path workDir, String url, String... flags) throws Exception {
        List<String> args = new ArrayList<>(List.of(flags));
        args.addAll(List.of("--dump-dom", url));
        return run(workDir, args);
    }

    /** A PNG of the page at 1366×900 (a laptop screen), checked to be a real, non-blank image. */
    static Page screenshot(Path workDir, String url, Path png, String... flags) throws Exception {
        Files.deleteIfExists(png);
        List<String> args = new ArrayList<>(List.of(flags));
        args.addAll(List.of("--screenshot=" + png, url));
        Page page = run(workDir, args);
        assertTrue(Files.exists(png), "no screenshot written:\n" + page.log());
        assertTrue(Files.size(png) > 10_000, "a blank page is a few kB; got " + Files.size(png) + " bytes");
        byte[] signature = new byte[8];
        try (InputStream in = Files.newInputStream(png)) {
            assertEquals(8, in.read(signature));
        }
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}, signature);
        return page;
    }

    private static Page run(Path workDir, List<String> args) throws Exception {
        Path profile = Files.createTempDirectory(workDir, "chromium-");
        List<String> cmd = new ArrayList<>(List.of(BINARY.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-extensions", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost",
                "--user-data-dir=" + profile, "--ignore-certificate-errors", "--virtual-time-budget=" + VIRTUAL_TIME_MS,
                "--window-size=1366,900", "--enable-logging=stderr", "--v=0"));
        cmd.addAll(args);
        Path out = profile.resolve("stdout.txt");
        Path log = profile.resolve("stderr.txt");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(log.toFile()).start();
        try {
            if (!p.waitFor(RUN_SECONDS, TimeUnit.SECONDS)) {
                fail("chromium did not finish within " + RUN_SECONDS + " s:\n" + Files.readString(log));
            }
            return new Page(Files.readString(out, StandardCharsets.UTF_8), Files.readString(log, StandardCharsets.UTF_8));
        } finally {
            p.descendants().forEach(ProcessHandle::destroyForcibly); // renderer and GPU helpers too
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
            deleteTree(profile);
        }
    }

    /** Best effort: a helper process that is still exiting may hold a file; the stack's temp dir stays anyway. */
    private static void deleteTree(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            // left in the stack's temp directory, like its logs
        }
    }
}
