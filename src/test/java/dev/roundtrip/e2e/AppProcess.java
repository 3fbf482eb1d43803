package dev.roundtrip.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The app as the operating system sees it: its pid, the CPU time the kernel has charged its threads, and what
 * it has written to its log since a given point.
 */
final class AppProcess {

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

    /** CPU time so far of each of the app's threads, in nanoseconds, with the pid it belongs to. */
    record Snapshot(long pid, Map<Long, Long> nanosByThread) {
    }

    /**
     * Each thread's time on a CPU from /proc/PID/task/TID/schedstat: nanoseconds, where /proc/PID/stat's utime and
     * stime count 10 ms ticks, too coarse for a request of 200 µs. Every thread counts: Jetty's, the JIT's, the GC's.
     */
    Snapshot snapshot() {
        long pid = pid();
        Map<Long, Long> threads = new HashMap<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", String.valueOf(pid), "task"))) {
            for (Path task : tasks) {
                try {
                    String schedstat = Files.readString(task.resolve("schedstat"), StandardCharsets.US_ASCII);
                    threads.put(Long.parseLong(task.getFileName().toString()), Long.parseLong(schedstat.split(" ")[0]));
                } catch (IOException | RuntimeException ended) {
                    // the thread ended between the listing and the read
                }
            }
        } catch (IOException gone) {
            return new Snapshot(pid, Map.of()); // the process has gone: cpuMicrosSince says -1
        }
        return new Snapshot(pid, threads);
    }

    /**
     * CPU time the app spent since {@code before}, in µs: threads born since then count whole, threads that ended
     * meanwhile lose their last moments (JIT compiler threads come and go). -1 when the process is not the same one.
     */
    long cpuMicrosSince(Snapshot before) {
        Snapshot now = snapshot();
        if (now.pid() != before.pid() || now.nanosByThread().isEmpty() || !alive()) {
            return -1;
        }
        long nanos = 0;
        for (Map.Entry<Long, Long> thread : now.nanosByThread().entrySet()) {
            nanos += Math.max(0, thread.getValue() - before.nanosByThread().getOrDefault(thread.getKey(), 0L));
        }
        return nanos / 1000;
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
