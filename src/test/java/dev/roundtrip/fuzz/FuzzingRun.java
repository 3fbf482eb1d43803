package dev.roundtrip.fuzz;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectMethod;

import java.io.PrintWriter;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * Runs one fuzz test in this JVM through the JUnit Platform, as scripts/fuzz.sh does for each target: Jazzer
 * fuzzes only one {@code @FuzzTest} per JVM, and a plain JVM starts in a second where Maven takes ten.
 * Usage: {@code JAZZER_FUZZ=1 java -cp … dev.roundtrip.fuzz.FuzzingRun Class#method}; exits 1 on a finding.
 */
public final class FuzzingRun {

    private FuzzingRun() {
    }

    public static void main(String[] args) {
        if (args.length != 1 || !args[0].contains("#")) {
            System.err.println("usage: FuzzingRun ClassName#methodName (in package dev.roundtrip.fuzz)");
            System.exit(2);
        }
        String selector = FuzzingRun.class.getPackageName() + "." + args[0]
                + (args[0].contains("(") ? "" : "(com.code_intelligence.jazzer.api.FuzzedDataProvider)");
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
                .selectors(selectMethod(selector))
                .build();
        Launcher launcher = LauncherFactory.create();
        SummaryGeneratingListener listener = new SummaryGeneratingListener();
        launcher.execute(request, listener);
        TestExecutionSummary summary = listener.getSummary();
        PrintWriter out = new PrintWriter(System.out, true);
        summary.printFailuresTo(out, 30);
        out.printf("%s: %d run, %d failed%n", selector, summary.getTestsStartedCount(), summary.getTotalFailureCount());
        System.exit(summary.getTotalFailureCount() == 0 && summary.getTestsStartedCount() > 0 ? 0 : 1);
    }
}
