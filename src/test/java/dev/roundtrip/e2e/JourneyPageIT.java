package dev.roundtrip.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The journey page (nginx/html/journey.html) in Debian's real headless Chromium, against the real stack:
 * the browser speaks TLS and HTTP/2 to Nginx, so the page must show what Chromium really negotiated.
 * The screenshot stays in target/journey.png for a human to look at.
 */
class JourneyPageIT {

    private static final Path SCREENSHOT = EdgeStack.PROJECT.resolve("target/journey.png");
    private static final Path SCREENSHOT_KO = EdgeStack.PROJECT.resolve("target/journey-ko.png");
    /**
     * A Korean browser. On Linux --lang sets only Chromium's own UI language; the page's navigator.language
     * (what the journey page reads) comes from --accept-lang, so both are given.
     */
    private static final String[] KOREAN = {"--lang=ko", "--accept-lang=ko"};
    private static final List<String> HOPS = List.of("browser", "tls", "nginx", "proxy", "javalin", "identity", "jdbi", "sqlite", "back");
    private static EdgeStack stack;

    @BeforeAll
    static void startStack() throws Exception {
        HeadlessChromium.requireInstalled();
        stack = EdgeStack.start(Map.of());
    }

    @AfterAll
    static void stopStack() throws Exception {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void pageShowsTheHopsChromiumReallyTookWithLiveValues() throws Exception {
        HeadlessChromium.Page run = HeadlessChromium.dumpDom(stack.dir, url("/journey.html"));
        String dom = run.output();
        assertTrue(dom.contains("data-state=\"ready\""), "the page never became ready:\n" + dom + run.log());
        assertEquals(HOPS, hopsInOrder(dom));
        assertTrue(field(dom, "edge.httpVersion").matches("HTTP/2(\\.0)?"), field(dom, "edge.httpVersion"));
        assertEquals("h2", field(dom, "browser.protocol"), "ALPN as Chromium itself reports it");
        assertEquals("TLSv1.3", field(hop(dom, "tls"), "edge.tlsProtocol"));
        assertEquals("localhost", field(hop(dom, "tls"), "edge.sni"));
        assertEquals("HTTP/1.1", field(hop(dom, "proxy"), "proxyHop.httpVersion"));
        assertEquals("127.0.0.1:" + stack.appPort, field(hop(dom, "proxy"), "proxyHop.appAddress"));
        assertTrue(Long.parseLong(value(hop(dom, "sqlite"), "database.queryMicros")) >= 0, "a numeric query time");
        assertTrue(Long.parseLong(value(hop(dom, "javalin"), "timings.appMicros")) > 0, "a numeric app time");
        String requestId = field(hop(dom, "nginx"), "requestId");
        assertTrue(requestId.matches("[0-9a-f]{32}"), requestId);
        assertEquals(requestId, field(hop(dom, "back"), "browser.requestIdHeader"), "the header names the same request");
        assertFalse(dom.contains("data-field=\"problem."), "no problem shown");
        run.assertNoConsoleErrors();
        // The same id in Nginx's access log proves the page showed this very request, not a canned answer.
        EdgeStack.await(() -> accessLogHas(requestId), "Nginx's access log line for " + requestId);
    }

    @Test
    void screenshotIsWrittenAsATestArtefact() throws Exception {
        HeadlessChromium.screenshot(stack.dir, url("/journey.html"), SCREENSHOT);
    }

    @Test
    void aKoreanBrowserGetsKoreanCaptionsWithTheSameLiveValues() throws Exception {
        HeadlessChromium.Page run = HeadlessChromium.dumpDom(stack.dir, url("/journey.html"), KOREAN);
        String dom = run.output();
        assertTrue(dom.contains("data-state=\"ready\""), "the page never became ready:\n" + dom + run.log());
        assertTrue(dom.contains("<html lang=\"ko\""), "the page follows the browser's language");
        assertTrue(dom.contains("요청의 여정"), "the Korean title");
        assertTrue(hop(dom, "nginx").contains("TLS를 종료했습니다"), hop(dom, "nginx"));
        assertEquals("TLSv1.3", field(hop(dom, "tls"), "edge.tlsProtocol"), "values stay values in any language");
        assertEquals("HTTP/1.1", field(hop(dom, "proxy"), "proxyHop.httpVersion"));
        run.assertNoConsoleErrors();
        // Hangul in the picture needs a CJK font (fonts-noto-cjk, installed by make test); look at it.
        HeadlessChromium.screenshot(stack.dir, url("/journey.html"), SCREENSHOT_KO, KOREAN);
    }

    @Test
    void langInTheUrlWinsOverTheBrowsersLanguage() throws Exception {
        String dom = HeadlessChromium.dumpDom(stack.dir, url("/journey.html?lang=en"), KOREAN).output();
        assertTrue(dom.contains("<html lang=\"en\""), "?lang=en on a Korean browser");
        assertTrue(dom.contains("The request journey"), "the English title");
    }

    private static String url(String path) {
        return stack.https(path).toString();
    }

    private static List<String> hopsInOrder(String dom) {
        List<String> hops = new ArrayList<>();
        Matcher m = Pattern.compile("data-hop=\"([a-z]+)\"").matcher(dom);
        while (m.find()) {
            hops.add(m.group(1));
        }
        return hops;
    }

    /** The markup of one hop card: from its data-hop attribute up to the next card (or the end of the list). */
    private static String hop(String dom, String hop) {
        int start = dom.indexOf("data-hop=\"" + hop + "\"");
        assertTrue(start >= 0, "no card data-hop=" + hop + " in:\n" + dom);
        int next = dom.indexOf("data-hop=", start + 1);
        return dom.substring(start, next < 0 ? dom.indexOf("</ol>", start) : next);
    }

    /** The text of the element with data-field=name (the page sets only text, so it contains no tags). */
    private static String field(String html, String name) {
        Matcher m = Pattern.compile("data-field=\"" + Pattern.quote(name) + "\"[^>]*>([^<]*)<").matcher(html);
        assertTrue(m.find(), "no data-field=" + name + " in:\n" + html);
        return m.group(1).trim();
    }

    /** The raw number behind a formatted value ("181 µs" has data-value="181"). */
    private static String value(String html, String name) {
        Matcher m = Pattern.compile("data-field=\"" + Pattern.quote(name) + "\"[^>]*data-value=\"(-?[0-9.]+)\"").matcher(html);
        assertTrue(m.find(), "no numeric data-value for " + name + " in:\n" + html);
        return m.group(1);
    }

    private static boolean accessLogHas(String requestId) {
        try {
            return stack.nginxAccessLog().stream().anyMatch(line -> line.contains("\"request_id\":\"" + requestId + "\"")
                    && line.contains("\"uri\":\"/api/journey\"") && line.contains("\"http\":\"HTTP/2.0\""));
        } catch (IOException e) {
            return false;
        }
    }
}
