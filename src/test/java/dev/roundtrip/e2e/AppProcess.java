package dev.roundtrip.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The app as the operating system sees it: its pid, the CPU time the kernel has charged it (every thread,
 * living or ended, from /proc/PID/stat), and what it has written to its log since a given point.
 */
final class AppProcess {

    /** USER_HZ: the unit of utime and stime in /proc/PID/stat; 100 on every Linux this runs on (getconf CLK_TCK). */
    static final long TICKS_PER_SECOND = 100;
    private static final Pattern JAVA_OPTS = Pattern.compile("(?m)^export JAVA_OPTS \\?= (.+)$");
    private final EdgeStack stack;

    AppProcess(EdgeStack stack) {
        this.stack = stack;
    }

    /** The JVM flags `make run` starts the app with (the Makefile's JAVA_OPTS), so heap limits and OOM exit are the real ones. */
    static String makeRunJavaOptions() throws IOException {
        Matcher m = JAVA_OPTS.matcher(Files.readString(EdgeStack.PROJECT.resolve("Makefile"), StandardCharsets.UTF_8));
        if (!m.find()) {
            throw new AssertionError("no `export JAVA_OPTS ?= …` line in the Makefile");
        }
        return m.group(1).strip();
    }

    long pid() {
        return stack.appProcess().pid();
    }

    boolean alive() {
        return stack.appProcess().isAlive();
    }

    /** User plus system CPU time of the whole process so far, in microseconds (10 ms resolution). */
    long cpuMicros() {
        try {
            String stat = Files.readString(Path.of("/proc", String.valueOf(pid()), "stat"), StandardCharsets.US_ASCII);
            // the command name, field 2, is in parentheses and may hold spaces: count fields after the last ')'
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // fields 14 and 15: utime, stime
            return ticks * 1_000_000 / TICKS_PER_SECOND;
        } catch (IOException e) {
            return -1; // the process has gone: the caller checks alive()
        }
    }

    /** How far the log has grown: a mark to read from later. */
    long logMark() throws IOException {
        return Files.size(stack.dir.resolve("app.log"));
    }

    /** The log written since {@code mark}. */
    String logSince(long mark) throws IOException {
        byte[] all = Files.readAllBytes(stack.dir.resolve("app.log"));
        return new String(all, (int) Math.min(mark, all.length), (int) Math.max(0, all.length - mark), StandardCharsets.UTF_8);
    }
}
