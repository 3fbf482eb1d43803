package dev.roundtrip.e2e;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * Clients that ask for the largest list the API gives (100 notes of 20 000 characters, about 2 MB) and never
 * read a byte of it. Nginx buffers the app's answer (proxy_buffering, spilling to a temp file), so the app
 * writes it at loopback speed and its threads are free again at once; Nginx drops the readers after send_timeout.
 */
final class SlowReaders {

    static final int NOTES = 100;
    static final int BODY_CHARACTERS = 20_000;
    static final int READERS = 16;
    private static final String LIST = "/api/notes?tag=seed&limit=100";
    private static final Pattern LIST_ANSWERED = Pattern.compile("path=/api/notes status=200 duration_ms=([0-9.]+)");
    private static final String[] WORDS = {"request", "nginx", "socket", "header", "journey", "kernel", "buffer", "thread"};

    private SlowReaders() {
    }

    /** The notes the list and the searches run over; returns the id of one more, small note that the cases aim at. */
    static long seed(EdgeStack stack) throws Exception {
        HttpClient client = stack.client(HttpClient.Version.HTTP_2);
        ObjectMapper json = new ObjectMapper();
        long id = 0;
        for (int i = 0; i <= NOTES; i++) {
            StringBuilder body = new StringBuilder();
            for (int w = i; i < NOTES && body.length() < BODY_CHARACTERS - 10; w++) {
                body.append(WORDS[w % WORDS.length]).append(w % 7 == 0 ? ". " : " ");
            }
            String note = json.writeValueAsString(Map.of("title", i < NOTES ? "seed " + i : "the note the hostile cases aim at",
                    "body", body.toString().strip(), "tags", List.of("seed")));
            HttpResponse<String> res = client.send(HttpRequest.newBuilder(stack.https("/api/notes")).header("Authorization", stack.bearer())
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(note)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (res.statusCode() != 201) {
                throw new AssertionError("seeding: " + res.statusCode() + " " + res.body());
            }
            id = json.readTree(res.body()).get("id").asLong();
        }
        return id;
    }

    /** Returns what went wrong; empty when the app answered every reader at once and kept serving others. */
    static List<String> run(EdgeStack stack, AppProcess app) throws Exception {
        List<String> violations = new ArrayList<>();
        long mark = app.logMark();
        AppProcess.Snapshot before = app.snapshot();
        List<Socket> readers = new ArrayList<>();
        try {
            for (int i = 0; i < READERS; i++) {
                Socket s = neverReading(stack);
                s.getOutputStream().write(("GET " + LIST + " HTTP/1.1\r\nHost: localhost\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                readers.add(s);
            }
            List<Double> durations = new ArrayList<>();
            EdgeStack.await(() -> answered(app, mark, durations) >= READERS, READERS + " list answers in the app's log");
            long cpu = app.cpuMicrosSince(before);
            // Nginx cuts a reader off after send_timeout (10 s): an app held by its reader would take that long
            durations.stream().filter(ms -> ms > 8000).forEach(ms -> violations.add("the app took " + ms + " ms to write a list"));
            violations.addAll(othersAreServed(stack));
            System.out.printf("hostile: slow readers: %d readers of %s, app %d µs CPU each, app write times %s ms%n",
                    READERS, LIST, cpu / READERS, durations);
        } finally {
            for (Socket s : readers) {
                s.close();
            }
        }
        return violations;
    }

    /** 32 requests at once straight to the app (more than its 16 threads) and one through Nginx: all 200 within 5 s. */
    private static List<String> othersAreServed(EdgeStack stack) {
        HttpClient direct = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            calls.add(direct.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + stack.appPort + "/api/ready"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()));
        }
        calls.add(stack.client(HttpClient.Version.HTTP_2).sendAsync(HttpRequest.newBuilder(stack.https("/api/health"))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()));
        List<String> violations = new ArrayList<>();
        for (CompletableFuture<HttpResponse<String>> call : calls) {
            try {
                int status = call.join().statusCode();
                if (status != 200) {
                    violations.add("while readers hang: " + status);
                }
            } catch (RuntimeException e) {
                violations.add("while readers hang: " + e.getCause());
            }
        }
        return violations;
    }

    private static int answered(AppProcess app, long mark, List<Double> durations) {
        durations.clear();
        try {
            Matcher m = LIST_ANSWERED.matcher(app.logSince(mark));
            while (m.find()) {
                durations.add(Double.parseDouble(m.group(1)));
            }
        } catch (IOException e) {
            return 0;
        }
        return durations.size();
    }

    /** A TLS connection with a 4 KiB receive window that this client never reads from. */
    private static Socket neverReading(EdgeStack stack) throws IOException {
        Socket plain = new Socket();
        plain.setReceiveBufferSize(4096); // before connect: the window the kernel offers Nginx
        plain.connect(new InetSocketAddress("127.0.0.1", stack.httpsPort), 5000);
        SSLSocketFactory factory = stack.client(HttpClient.Version.HTTP_1_1).sslContext().getSocketFactory();
        SSLSocket s = (SSLSocket) factory.createSocket(plain, "localhost", stack.httpsPort, true);
        SSLParameters parameters = s.getSSLParameters();
        parameters.setServerNames(List.of(new SNIHostName("localhost")));
        parameters.setApplicationProtocols(new String[] {"http/1.1"});
        s.setSSLParameters(parameters);
        s.startHandshake();
        return s;
    }
}
