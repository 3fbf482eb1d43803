package dev.roundtrip.e2e;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A stand-in for an app server, for what a real one cannot be made to do on cue: {@link Mode#SWALLOW} reads a
 * whole request and closes the connection without a word (a replica that dies after it took a write);
 * {@link Mode#ANSWER} answers every request 200 with a small JSON. Both record what reached them.
 */
final class FakeUpstream implements AutoCloseable {

    enum Mode { SWALLOW, ANSWER }

    /** A request as it arrived: request line and headers (names in lower case). */
    record Received(String method, String target, Map<String, String> headers) {
    }

    final List<Received> received = new CopyOnWriteArrayList<>();
    private final ServerSocket server;
    private final Mode mode;

    FakeUpstream(Mode mode) throws IOException {
        this.mode = mode;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread accept = new Thread(this::serve, "fake-upstream-" + mode);
        accept.setDaemon(true);
        accept.start();
    }

    int port() {
        return server.getLocalPort();
    }

    /** The requests that carried this X-Request-ID (the id Nginx gave the client's request). */
    List<Received> withRequestId(String requestId) {
        return received.stream().filter(r -> requestId.equals(r.headers().get("x-request-id"))).toList();
    }

    private void serve() {
        while (!server.isClosed()) {
            try (Socket socket = server.accept()) {
                received.add(read(socket.getInputStream()));
                if (mode == Mode.ANSWER) {
                    byte[] body = "{\"fake\":true}".getBytes(StandardCharsets.UTF_8);
                    OutputStream out = socket.getOutputStream();
                    out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + body.length
                            + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.write(body);
                    out.flush();
                }
            } catch (IOException e) {
                // closed by the test, or Nginx gave up on the connection: the next one is accepted
            }
        }
    }

    private static Received read(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed before the end of the header");
            }
            head.write(b);
            matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
        String[] requestLine = lines[0].split(" ");
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.put(lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).strip());
        }
        in.readNBytes(Integer.parseInt(headers.getOrDefault("content-length", "0")));
        return new Received(requestLine[0], requestLine[1], headers);
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
