package dev.roundtrip.e2e;

import dev.roundtrip.e2e.CaseRunner.Measured;
import dev.roundtrip.e2e.HostileCases.Case;

/**
 * What an honest request costs the app, measured like the cases in the same run: a GET of a note (the
 * ordinary request), and a note whose body field is 1 MB of text (the honest price of reading a big body,
 * refused with 400 for its length). A case of n bytes is compared with the line through both.
 */
record CpuBaseline(long ordinaryMicros, long ordinaryBytes, long largeMicros, long largeBytes) {

    static CpuBaseline measure(CaseRunner runner, long id) {
        Case ordinary = HostileCases.c("baseline", "an ordinary GET of a note", "GET", "/api/notes/" + id, 200);
        Measured small = runner.measure(ordinary, 2000, 500, 500); // the first 2000 let the JIT compile the common path
        for (int round = 0; round < 6; round++) { // until two rounds agree: the JIT may still be at work
            Measured again = runner.measure(ordinary, 0, 500, 500);
            boolean steady = Math.abs(again.cpuMicrosPerRequest() - small.cpuMicrosPerRequest()) <= 0.25 * small.cpuMicrosPerRequest();
            small = again;
            if (steady) {
                break;
            }
        }
        Case large = HostileCases.post("baseline", "a body field of 1 MB",
                HostileCases.b("{\"title\":\"a\",\"body\":\"" + "z".repeat(1_000_000) + "\"}"), 400)
                .header("Authorization: " + runner.stack().bearer()); // so the body is read: without, a cheap 401
        Measured big = runner.measure(large, 5, 20, 40);
        for (Measured m : new Measured[] {small, big}) {
            if (m.error() != null || m.last().status() != (m == small ? 200 : 400)) {
                throw new AssertionError("baseline request failed: " + m);
            }
        }
        return new CpuBaseline(Math.max(1, small.cpuMicrosPerRequest()), small.last().bytesIn(),
                Math.max(small.cpuMicrosPerRequest(), big.cpuMicrosPerRequest()), big.last().bytesIn());
    }

    /** The CPU time an ordinary request of {@code bytes} costs: the small one plus the large one's price per byte. */
    long expectedMicros(long bytes) {
        double perByte = (largeMicros - ordinaryMicros) / (double) Math.max(1, largeBytes - ordinaryBytes);
        return ordinaryMicros + Math.round(Math.max(0, bytes - ordinaryBytes) * perByte);
    }
}
