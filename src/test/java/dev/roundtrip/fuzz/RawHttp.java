package dev.roundtrip.fuzz;

import com.code_intelligence.jazzer.api.BugDetectors;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 over a plain socket, one request per connection. java.net.http refuses the header bytes and request
 * targets a hostile client sends, so the fuzz tests write the request bytes themselves and read what comes back.
 */
final class RawHttp {

    /** More than any answer should be; reading stops here so a runaway answer fails the check, not the JVM. */
    static final int READ_LIMIT = 16 * 1024 * 1024;
    /** An answer slower than this is a finding (a bounded request must not take seconds, even on a busy machine). */
    static final int TIMEOUT_MILLIS = 10_000;

    /** What came back: status 0 when the server closed the connection without an answer. */
    record Answer(int status, Map<String, String> headers, byte[] body, long millis, boolean truncated) {

        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        String bodyText(int max) {
            return new String(body, 0, Math.min(max, body.length), StandardCharsets.UTF_8);
        }
    }

    private final int port;
    private final boolean fuzzing;

    /**
     * {@code fuzzing}: tell Jazzer's SSRF detector that connecting to the app is intended. Only inside a fuzz test:
     * Jazzer's API looks the detector up once, and before its agent is installed (in @BeforeAll) it is not there.
     */
    RawHttp(int port, boolean fuzzing) {
        this.port = port;
        this.fuzzing = fuzzing;
    }

    /** {@code headers} are whole header lines (see {@link #headerLine}); Host, Connection: close and Content-Length are added. */
    Answer send(String method, byte[] target, byte[] headers, byte[] body) throws IOException {
        ByteArrayOutputStream request = new ByteArrayOutputStream(256 + headers.length + (body == null ? 0 : body.length));
        request.writeBytes((method + " ").getBytes(StandardCharsets.US_ASCII));
        request.writeBytes(target);
        request.writeBytes(" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n".getBytes(StandardCharsets.US_ASCII));
        request.writeBytes(headers);
        if (body != null) {
            request.writeBytes(("Content-Length: " + body.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
        }
        request.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        if (body != null) {
            request.writeBytes(body);
        }
        return exchange(request.toByteArray());
    }

    /** One header line, with line breaks in the value turned into spaces so that it stays one header. */
    static byte[] headerLine(String name, byte[] value) {
        ByteArrayOutputStream line = new ByteArrayOutputStream(name.length() + value.length + 4);
        line.writeBytes((name + ": ").getBytes(StandardCharsets.US_ASCII));
        for (byte b : value) {
            line.write(b == '\n' ? ' ' : b);
        }
        line.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        return line.toByteArray();
    }

    static byte[] headerLine(String name, String value) {
        return headerLine(name, value.getBytes(StandardCharsets.UTF_8));
    }

    private Answer exchange(byte[] request) throws IOException {
        long start = System.nanoTime();
        try (AutoCloseable allowed = allowConnectionToApp(); Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), TIMEOUT_MILLIS);
            socket.setSoTimeout(TIMEOUT_MILLIS);
            try {
                OutputStream out = socket.getOutputStream();
                out.write(request);
                out.flush();
            } catch (IOException e) {
                // the server may answer (413, 431, 400) and close before it read everything: read what it said
            }
            byte[] raw;
            try {
                raw = readAll(socket.getInputStream());
            } catch (SocketTimeoutException e) {
                throw new AssertionError("no answer within " + TIMEOUT_MILLIS + " ms", e);
            } catch (IOException e) {
                raw = new byte[0]; // reset before any byte: no answer
            }
            return parse(raw, (System.nanoTime() - start) / 1_000_000);
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e); // only AutoCloseable.close can throw it, and ours do not
        }
    }

    /** Jazzer's SSRF detector flags any connection made while fuzzing; this one, to the app under test, is the point. */
    private AutoCloseable allowConnectionToApp() {
        return fuzzing ? BugDetectors.allowNetworkConnections((host, to) -> to == port) : () -> { };
    }

    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[16 * 1024];
        int n;
        while (out.size() <= READ_LIMIT && (n = in.read(buffer)) >= 0) {
            out.write(buffer, 0, n);
        }
        return out.toByteArray();
    }

    private static Answer parse(byte[] raw, long millis) {
        int end = indexOf(raw, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII), 0);
        if (end < 0) {
            return new Answer(0, Map.of(), raw, millis, false);
        }
        String[] lines = new String(raw, 0, end, StandardCharsets.ISO_8859_1).split("\r\n");
        String[] statusLine = lines[0].split(" ", 3);
        int status = statusLine.length >= 2 && statusLine[1].matches("\\d{3}") ? Integer.parseInt(statusLine[1]) : 0;
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.putIfAbsent(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
            }
        }
        byte[] body = Arrays.copyOfRange(raw, end + 4, raw.length);
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            body = dechunk(body);
        }
        return new Answer(status, headers, body, millis, raw.length > READ_LIMIT);
    }

    private static byte[] dechunk(byte[] chunked) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(chunked.length);
        int at = 0;
        while (at < chunked.length) {
            int lineEnd = indexOf(chunked, new byte[] {'\r', '\n'}, at);
            if (lineEnd < 0) {
                break;
            }
            String sizeField = new String(chunked, at, lineEnd - at, StandardCharsets.ISO_8859_1).split(";", 2)[0].trim();
            int size = Integer.parseInt(sizeField, 16);
            if (size == 0) {
                break;
            }
            out.write(chunked, lineEnd + 2, Math.min(size, chunked.length - lineEnd - 2));
            at = lineEnd + 2 + size + 2;
        }
        return out.toByteArray();
    }

    private static int indexOf(byte[] haystack, byte[] needle, int from) {
        outer:
        for (int i = from; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
