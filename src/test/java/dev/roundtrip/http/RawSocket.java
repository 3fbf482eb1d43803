package dev.roundtrip.http;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * Bytes straight to the app's port, for what java.net.http refuses to send (a raw '%', a body cut short, a broken
 * chunk), and a capture of what the app logs meanwhile.
 */
public final class RawSocket {

    private RawSocket() {
    }

    /** A request head: request line, Host, Connection: close, the given header lines, and the blank line. */
    public static byte[] head(String method, String target, String... headerLines) {
        StringBuilder head = new StringBuilder(method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
        for (String line : headerLines) {
            head.append(line).append("\r\n");
        }
        return head.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Sends {@code parts} in turn, half-closes, and reads until the server closes: status 0 if it said nothing. */
    public static int status(int port, byte[]... parts) throws IOException {
        String answer = exchange(port, 15_000, parts);
        while (answer.startsWith("HTTP/1.1 1")) { // an interim 100 Continue comes before the answer
            int end = answer.indexOf("\r\n\r\n");
            answer = end < 0 ? "" : answer.substring(end + 4);
        }
        return answer.startsWith("HTTP/1.1 ") ? Integer.parseInt(answer.substring(9, 12)) : 0;
    }

    /** The whole answer as text (Latin-1, so any bytes survive). */
    public static String exchange(int port, int timeoutMs, byte[]... parts) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(timeoutMs);
            try {
                OutputStream out = socket.getOutputStream();
                for (byte[] part : parts) {
                    out.write(part);
                }
                out.flush();
                socket.shutdownOutput(); // the client is gone: whatever was promised will not come
            } catch (IOException e) {
                // the server answered and closed before reading everything: read what it said
            }
            return readAll(socket.getInputStream());
        }
    }

    static String readAll(InputStream in) throws IOException {
        ByteArrayOutputStream answer = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        try {
            for (int n; (n = in.read(buffer)) > 0; ) {
                answer.write(buffer, 0, n);
            }
        } catch (SocketTimeoutException e) {
            throw e;
        } catch (IOException e) {
            // reset by the server: what came before is the answer
        }
        return answer.toString(StandardCharsets.ISO_8859_1);
    }

    /** Collects every event logged at WARN or above (Jetty's loggers are at WARN) until closed. */
    public static final class LogCapture implements AutoCloseable {
        private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

        public LogCapture() {
            appender.start();
            root.addAppender(appender);
        }

        public List<String> errors() {
            synchronized (appender) { // AppenderBase appends under this lock
                return appender.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.ERROR))
                        .map(e -> e.getLoggerName() + ": " + e.getFormattedMessage()).toList();
            }
        }

        @Override
        public void close() {
            root.detachAppender(appender);
        }
    }
}
