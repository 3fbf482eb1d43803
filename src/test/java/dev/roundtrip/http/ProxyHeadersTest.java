package dev.roundtrip.http;

import static dev.roundtrip.TestApps.send;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.roundtrip.TestApps;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** The access log records the client address Nginx vouches for, never one the client made up. */
class ProxyHeadersTest {

    @TempDir
    Path dataDir;
    private final ListAppender<ILoggingEvent> accessLog = new ListAppender<>();

    @BeforeEach
    void captureAccessLog() {
        accessLog.start();
        ((Logger) LoggerFactory.getLogger("access")).addAppender(accessLog);
    }

    @AfterEach
    void release() {
        ((Logger) LoggerFactory.getLogger("access")).detachAppender(accessLog);
    }

    @Test
    void clientIpComesFromXRealIpOnly() {
        TestApps.run(dataDir, (server, client) -> {
            send(client, "GET", "/api/health", null, "X-Request-ID", "direct");
            send(client, "GET", "/api/health", null, "X-Request-ID", "spoofed",
                    "X-Forwarded-For", "6.6.6.6", "Forwarded", "for=6.6.6.6");
            send(client, "GET", "/api/health", null, "X-Request-ID", "proxied", "X-Real-IP", "203.0.113.7",
                    "X-Forwarded-For", "6.6.6.6, 203.0.113.7");
            send(client, "GET", "/api/health", null, "X-Request-ID", "garbage", "X-Real-IP", "1.2.3.4 forged=1");
            send(client, "GET", "/api/health", null, "X-Request-ID", "huge", "X-Real-IP", "1".repeat(20_000),
                    "X-Forwarded-Proto", "https".repeat(3_000));
        });
        assertEquals("client_ip=127.0.0.1", clientIpLoggedFor("direct"));
        assertEquals("client_ip=127.0.0.1", clientIpLoggedFor("spoofed"));
        assertEquals("client_ip=203.0.113.7", clientIpLoggedFor("proxied"));
        assertEquals("client_ip=127.0.0.1", clientIpLoggedFor("garbage"));
        assertEquals("client_ip=127.0.0.1", clientIpLoggedFor("huge"));
        assertTrue(lineFor("huge").getFormattedMessage().contains("scheme=http "), lineFor("huge").getFormattedMessage());
    }

    @Test
    void everyAccessLineCarriesItsRequestId() {
        TestApps.run(dataDir, (server, client) -> send(client, "GET", "/api/notes/1", null, "X-Request-ID", "abc-123"));
        ILoggingEvent line = lineFor("abc-123");
        assertTrue(line.getFormattedMessage().matches("method=GET scheme=http path=/api/notes/1 status=404 duration_ms=\\d+\\.\\d\\d client_ip=\\S+"),
                line.getFormattedMessage());
    }

    private String clientIpLoggedFor(String requestId) {
        String message = lineFor(requestId).getFormattedMessage();
        return message.substring(message.indexOf("client_ip="));
    }

    private ILoggingEvent lineFor(String requestId) {
        List<ILoggingEvent> lines = accessLog.list.stream()
                .filter(e -> requestId.equals(e.getMDCPropertyMap().get(RequestIds.MDC_KEY))).toList();
        assertEquals(1, lines.size(), "access lines for " + requestId);
        return lines.get(0);
    }
}
