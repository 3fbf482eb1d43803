package dev.roundtrip.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The guides cannot rot: every ```sh block of docs/guide.md, docs/ko/learner-notes.md and docs/hostile-clients.md runs against a fresh stack, with the guide's well-known ports
 * and paths rewritten to the stack's, under `bash -e -o pipefail` (any failing command fails the block), and
 * its output must show what the block's marker lines promise:
 * <pre>
 *   # expect: TEXT        the output contains TEXT
 *   # expect-re: REGEX    the output contains a match of REGEX
 *   # expect-not: TEXT    the output does not contain TEXT
 *   # needs: tcpdump      a packet capture: skipped only when tcpdump is missing or may not capture here
 * </pre>
 */
class GuideIT {

    private static final Path GUIDE = EdgeStack.PROJECT.resolve("docs/guide.md");
    /**
     * Every document whose commands run here. docs/ko/guide.md is not listed: its blocks are the English
     * ones, byte for byte (GuideTranslationTest), so running them twice would prove nothing more.
     */
    private static final List<Path> DOCUMENTS = List.of(GUIDE, EdgeStack.PROJECT.resolve("docs/ko/learner-notes.md"),
            EdgeStack.PROJECT.resolve("docs/hostile-clients.md")); // last: its final block trips the shipped rate limit
    /** Two blocks start a second app, whose first Argon2id hashes run cold (interpreted): seconds each on a busy machine. */
    private static final long BLOCK_SECONDS = 60;
    /** Commands the guide uses → the Debian package that has them (tcpdump is optional: see `needs`). */
    private static final Map<String, String> TOOLS = orderedMap("curl", "curl", "jq", "jq", "openssl", "openssl",
            "ss", "iproute2", "ip", "iproute2", "ps", "procps", "sqlite3", "sqlite3", "getent", "libc-bin",
            "jcmd", "openjdk-17-jdk-headless", "nginx", "nginx", "timeout", "coreutils");
    private static final Pattern SECTION = Pattern.compile("^## ([0-9]+)\\. (.+)$");
    private static EdgeStack stack;
    private static int sparePort;

    /** What a block printed (stdout and stderr together) and its exit status. */
    record Result(int exit, String output) {
    }

    /** One ```sh block: where it is in the guide, and its text as written there. */
    record Block(String file, int section, String heading, int line, String script) {
        String name() {
            return file + " §" + section + " " + heading + " (line " + line + ")";
        }
    }

    @BeforeAll
    static void startStack() throws Exception {
        List<String> missing = TOOLS.keySet().stream().filter(tool -> !onPath(tool)).toList();
        if (!missing.isEmpty()) {
            fail("the guide's commands need " + missing + ": `make test` installs them (as root), or: sudo apt-get install -y "
                    + String.join(" ", missing.stream().map(TOOLS::get).distinct().toList()));
        }
        stack = EdgeStack.start(Map.of());
        try (ServerSocket socket = new ServerSocket(0)) {
            sparePort = socket.getLocalPort(); // for the guide's throwaway second app (port 8001)
        }
    }

    @AfterAll
    static void stopStack() throws Exception {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void guideAnswersTheThirteenQuestionsInOrderEachWithACommand() throws IOException {
        List<Block> blocks = blocks(GUIDE);
        assertEquals(IntStream.rangeClosed(1, 13).boxed().toList(), blocks.stream().map(Block::section).distinct().toList(),
                "sections 1–13, in order, each with at least one ```sh block");
        assertTrue(Files.readString(GUIDE).contains("```mermaid\nsequenceDiagram"), "the Mermaid sequence diagram");
        for (Block block : blocks) {
            assertFalse(markers(block.script(), "expect").isEmpty() && markers(block.script(), "expect-re").isEmpty(),
                    block.name() + " promises nothing: add a `# expect:` line");
        }
    }

    @TestFactory
    Stream<DynamicTest> everyCommandBlockRunsAndShowsWhatTheGuideSays() throws IOException {
        List<Block> blocks = new ArrayList<>();
        for (Path document : DOCUMENTS) {
            blocks.addAll(blocks(document));
        }
        return blocks.stream()
                .map(block -> dynamicTest(block.name(), () -> check(block)));
    }

    private static void check(Block block) throws Exception {
        String script = forStack(block.script());
        boolean capture = markers(script, "needs").contains("tcpdump");
        Assumptions.assumeTrue(!capture || onPath("tcpdump"), "tcpdump is not installed: `make test` installs it as root");
        Result result = run(block, script);
        String output = result.output();
        Assumptions.assumeFalse(capture && output.contains("permission"), "capturing packets needs root or CAP_NET_RAW");
        String context = "\n--- script ---\n" + script + "--- output ---\n" + output;
        assertEquals(0, result.exit(), block.name() + " failed" + context);
        for (String text : markers(script, "expect")) {
            assertTrue(output.contains(text), block.name() + ": output lacks `" + text + "`" + context);
        }
        for (String regex : markers(script, "expect-re")) {
            assertTrue(Pattern.compile(regex).matcher(output).find(), block.name() + ": no match for /" + regex + "/" + context);
        }
        for (String text : markers(script, "expect-not")) {
            assertFalse(output.contains(text), block.name() + ": output should not contain `" + text + "`" + context);
        }
    }

    /** The guide is written for `make run`; the test stack has its own free ports and directories. */
    static String forStack(String script) {
        Map<String, String> ports = Map.of("8443", "" + stack.httpsPort, "8080", "" + stack.httpPort,
                "8000", "" + stack.appPort, "9464", "" + stack.metricsPort, "8001", "" + sparePort);
        Matcher m = Pattern.compile("\\b(8443|8080|8000|9464|8001)\\b").matcher(script);
        String withPorts = m.replaceAll(match -> ports.get(match.group(1)));
        return withPorts.replace("./data/", stack.dir.resolve("data") + "/")
                .replace(".run/nginx/", stack.nginxDir() + "/")
                .replace(".run/certs/", stack.dir.resolve("certs") + "/")
                .replace(".run/token", stack.dir.resolve("token").toString()); // the session token files, .run/token and .run/token-other
    }

    /**
     * Runs one block in its own process group (setsid), from the project folder, bounded in time. Afterwards the
     * whole group is killed, so a background process the block started (tcpdump, a second app) never outlives it.
     */
    private static Result run(Block block, String script) throws Exception {
        Path out = stack.dir.resolve("guide-line-" + block.line() + ".out");
        ProcessBuilder pb = new ProcessBuilder("setsid", "--wait", "bash", "-e", "-o", "pipefail", "-c", script)
                .directory(EdgeStack.PROJECT.toFile()).redirectErrorStream(true).redirectOutput(out.toFile());
        pb.environment().put("PATH", pb.environment().get("PATH") + ":/usr/sbin:/sbin"); // nginx, ip for non-root users
        Process p = pb.start();
        boolean finished = p.waitFor(BLOCK_SECONDS, TimeUnit.SECONDS);
        new ProcessBuilder("kill", "-KILL", "--", "-" + p.pid()).start().waitFor(5, TimeUnit.SECONDS);
        p.waitFor(5, TimeUnit.SECONDS);
        String output = Files.readString(out, StandardCharsets.UTF_8);
        if (!finished) {
            fail(block.name() + " did not finish within " + BLOCK_SECONDS + " s\n--- script ---\n" + script + "--- output ---\n" + output);
        }
        return new Result(p.exitValue(), output);
    }

    /** Every ```sh block of a document, with the numbered section ("## 3. …") it belongs to. */
    static List<Block> blocks(Path document) throws IOException {
        return blocks(EdgeStack.PROJECT.relativize(document).toString(), Files.readString(document, StandardCharsets.UTF_8));
    }

    static List<Block> blocks(String file, String markdown) {
        List<Block> blocks = new ArrayList<>();
        String[] lines = markdown.split("\n", -1);
        int section = 0;
        String heading = "(before the first section)";
        for (int i = 0; i < lines.length; i++) {
            Matcher title = SECTION.matcher(lines[i]);
            if (title.matches()) {
                section = Integer.parseInt(title.group(1));
                heading = title.group(2);
            } else if (lines[i].equals("```sh")) {
                StringBuilder script = new StringBuilder();
                int start = i + 1;
                while (++i < lines.length && !lines[i].equals("```")) {
                    script.append(lines[i]).append('\n');
                }
                blocks.add(new Block(file, section, heading, start, script.toString()));
            }
        }
        return blocks;
    }

    /** The values of `# KIND: value` lines; "expect" does not match "expect-re" or "expect-not". */
    static List<String> markers(String script, String kind) {
        List<String> values = new ArrayList<>();
        Matcher m = Pattern.compile("(?m)^# " + Pattern.quote(kind) + ": (.+)$").matcher(script);
        while (m.find()) {
            values.add(m.group(1));
        }
        return values;
    }

    private static boolean onPath(String tool) {
        String path = System.getenv("PATH") + ":/usr/sbin:/sbin";
        return Stream.of(path.split(":")).anyMatch(dir -> Files.isExecutable(Path.of(dir, tool)));
    }

    private static Map<String, String> orderedMap(String... pairs) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            map.put(pairs[i], pairs[i + 1]);
        }
        return map;
    }
}
