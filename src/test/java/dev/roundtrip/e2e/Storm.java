package dev.roundtrip.e2e;

import dev.roundtrip.e2e.HostileCases.Case;
import dev.roundtrip.e2e.HostileCases.Target;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** Many bad requests at once: 8 threads cycle through every raw case for 5 s, each from a different starting point. */
final class Storm {

    record Result(long requests, long cpuMicrosPerRequest, double ratio, List<String> violations) {
    }

    static final int THREADS = 8;
    static final Duration LENGTH = Duration.ofSeconds(5);
    private static final int MAX_REPORTED = 20;

    private Storm() {
    }

    static Result run(CaseRunner runner, AppProcess app, List<Case> cases, CpuBaseline baseline) throws InterruptedException {
        List<String> violations = Collections.synchronizedList(new ArrayList<>());
        Map<String, Set<Integer>> unexpected = new ConcurrentSkipListMap<>(); // case → the statuses it should not have had
        AtomicLong requests = new AtomicLong();
        AtomicLong expectedMicros = new AtomicLong();
        long deadline = System.nanoTime() + LENGTH.toNanos();
        AppProcess.Snapshot before = app.snapshot();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        for (int t = 0; t < THREADS; t++) {
            int start = t * cases.size() / THREADS;
            pool.submit(() -> {
                try (RawHttp edge = RawHttp.edge(runner.stack()); RawHttp direct = RawHttp.direct(runner.stack())) {
                    for (int n = start; System.nanoTime() < deadline; n++) {
                        Case c = cases.get(n % cases.size());
                        try {
                            RawHttp.Answer a = runner.send(c.target() == Target.APP ? direct : edge, c);
                            requests.incrementAndGet();
                            expectedMicros.addAndGet(baseline.expectedMicros(a.bytesIn()));
                            if (!c.statuses().contains(a.status())) {
                                unexpected.computeIfAbsent(c.name(), k -> new ConcurrentSkipListSet<>()).add(a.status());
                            }
                        } catch (IOException e) {
                            if (violations.size() < MAX_REPORTED) {
                                violations.add(c.name() + " → no answer: " + e);
                            }
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }
        pool.shutdown();
        if (!pool.awaitTermination(LENGTH.toSeconds() + 60, TimeUnit.SECONDS)) {
            pool.shutdownNow();
            violations.add("storm threads still busy 60 s after the end");
        }
        long cpu = app.cpuMicrosSince(before); // -1 when the app died meanwhile (the violations say so)
        long count = Math.max(1, requests.get());
        unexpected.forEach((name, seen) -> violations.add(name + " → " + seen));
        return new Result(requests.get(), cpu < 0 ? -1 : cpu / count, cpu < 0 ? Double.NaN : cpu / (double) Math.max(1, expectedMicros.get()),
                List.copyOf(violations));
    }
}
