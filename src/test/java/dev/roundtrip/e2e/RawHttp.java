package dev.roundtrip.e2e;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * HTTP/1.1 written byte by byte over a socket: the only way to send what Java's HttpClient refuses to
 * (NUL and control bytes, invalid UTF-8, raw paths, 200 copies of a header). TLS to Nginx or plain to the app;
 * the connection is kept alive between requests and opened again when the server closes it.
 */
final class RawHttp implements AutoCloseable {

    /** One answer: status, headers (lower-case names), body, and the bytes that went each way. */
    record Answer(int status, Map<String, List<String>> headers, byte[] body, long bytesIn, long bytesOut) {
        String header(String name) {
            List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
            return values == null ? null : values.get(0);
        }

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private static final int TIMEOUT_MS = 30_000;
    private static final int MAX_HEAD = 64 * 1024;
    private final EdgeStack stack;
    private final boolean tls;
    private final int port;
    private Socket socket;
    private InputStream in;
    private boolean reused;

    private RawHttp(EdgeStack stack, boolean tls, int port) {
        this.stack = stack;
        this.tls = tls;
        this.port = port;
    }

    /** Through Nginx, over HTTPS with HTTP/1.1 (ALPN), verifying the stack's certificate. */
    static RawHttp edge(EdgeStack stack) {
        return new RawHttp(stack, true, stack.httpsPort);
    }

    /** Straight to the app's port, plain HTTP/1.1, as a local process could. */
    static RawHttp direct(EdgeStack stack) {
        return new RawHttp(stack, false, stack.appPort);
    }

    /** The request as it goes on the wire: request line, Host, the given header lines, Content-Length, body. */
    static byte[] request(String method, byte[] target, List<byte[]> headerLines, byte[] body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes((method + " ").getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(target);
        out.writeBytes(" HTTP/1.1\r\nHost: localhost\r\n".getBytes(StandardCharsets.US_ASCII));
        for (byte[] line : headerLines) {
            out.writeBytes(line);
            out.writeBytes(new byte[] {'\r', '\n'});
        }
        if (body != null) {
            out.writeBytes(("Content-Length: " + body.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
        }
        out.writeBytes(new byte[] {'\r', '\n'});
        if (body != null) {
            out.writeBytes(body);
        }
        return out.toByteArray();
    }

    /** Sends one request and reads its answer; a kept-alive connection the server closed meanwhile is opened again once. */
    Answer send(byte[] request) throws IOException {
        boolean retry = socket != null && reused;
        try {
            return exchange(request);
        } catch (IOException e) {
            close();
            if (!retry) {
                throw e;
            }
            return exchange(request); // the idle connection had been closed by the server: a new one, once
        }
    }

    private Answer exchange(byte[] request) throws IOException {
        if (socket == null) {
            socket = tls ? tlsSocket() : new Socket("127.0.0.1", port);
            socket.setSoTimeout(TIMEOUT_MS);
            in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
            reused = false;
        }
        OutputStream out = socket.getOutputStream();
        out.write(request);
        out.flush();
        Answer answer = read(request.length);
        String connection = answer.header("Connection");
        if (connection != null && connection.equalsIgnoreCase("close")) {
            close();
        } else {
            reused = true;
        }
        return answer;
    }

    private Answer read(long bytesIn) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int last4 = 0;
        while (last4 != 0x0D0A0D0A) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed after " + head.size() + " bytes of the answer's head");
            }
            head.write(b);
            last4 = (last4 << 8) | b;
            if (head.size() > MAX_HEAD) {
                throw new IOException("answer head over " + MAX_HEAD + " bytes");
            }
        }
        String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.computeIfAbsent(lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                        .add(lines[i].substring(colon + 1).strip());
            }
        }
        byte[] body = body(status, headers);
        if (status == 100) { // an interim answer: the real one follows
            return read(bytesIn);
        }
        return new Answer(status, headers, body, bytesIn, head.size() + body.length);
    }

    private byte[] body(int status, Map<String, List<String>> headers) throws IOException {
        if (status == 100 || status == 204 || status == 304) {
            return new byte[0];
        }
        List<String> length = headers.get("content-length");
        if (length != null) {
            return in.readNBytes(Integer.parseInt(length.get(0)));
        }
        List<String> encoding = headers.get("transfer-encoding");
        if (encoding != null && encoding.get(0).equalsIgnoreCase("chunked")) {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            for (int size = chunkSize(); size > 0; size = chunkSize()) {
                body.writeBytes(in.readNBytes(size));
                in.readNBytes(2); // CRLF after each chunk
            }
            in.readNBytes(2); // CRLF after the last (empty) chunk; no trailers are sent here
            return body.toByteArray();
        }
        byte[] rest = in.readAllBytes(); // no length: the body ends when the server closes
        headers.put("connection", List.of("close"));
        return rest;
    }

    private int chunkSize() throws IOException {
        StringBuilder line = new StringBuilder();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new IOException("connection closed inside a chunked body");
            }
            if (b != '\r') {
                line.append((char) b);
            }
        }
        return Integer.parseInt(line.toString().split(";")[0].strip(), 16);
    }

    private Socket tlsSocket() throws IOException {
        SSLSocket s = (SSLSocket) stack.client(HttpClient.Version.HTTP_1_1).sslContext().getSocketFactory()
                .createSocket("localhost", port);
        SSLParameters parameters = s.getSSLParameters();
        parameters.setServerNames(List.of(new SNIHostName("localhost")));
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        parameters.setApplicationProtocols(new String[] {"http/1.1"});
        s.setSSLParameters(parameters);
        s.startHandshake();
        return s;
    }

    @Override
    public void close() {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        socket = null;
        in = null;
    }
}
