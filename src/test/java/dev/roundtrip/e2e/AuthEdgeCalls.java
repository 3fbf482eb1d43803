package dev.roundtrip.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/** AuthEdgeIT's requests: Java's client asking for gzip like a browser, curl from a chosen loopback address, log reads. */
final class AuthEdgeCalls {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();
    private final EdgeStack stack;

    AuthEdgeCalls(EdgeStack stack) {
        this.stack = stack;
    }

    /** 256 random bits in base64url (43 characters), the shape of a session token: unique enough to grep for. */
    static String secret() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(stack.https(path)).timeout(Duration.ofSeconds(20)).header("Accept-Encoding", "gzip");
    }

    HttpResponse<byte[]> send(HttpClient client, HttpRequest.Builder request) throws IOException, InterruptedException {
        return client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    /** The body as text, unzipped when Nginx compressed it. */
    static String body(HttpResponse<byte[]> response) {
        byte[] raw = response.body();
        if (!"gzip".equals(header(response, "Content-Encoding"))) {
            return new String(raw, StandardCharsets.UTF_8);
        }
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(raw))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String header(HttpResponse<?> response, String name) {
        return response.headers().firstValue(name).orElse(null);
    }

    /** Every value of a header that may come several times (Vary from the app and from gzip), joined. */
    static String allValues(HttpResponse<?> response, String name) {
        return String.join(", ", response.headers().allValues(name));
    }

    static JsonNode json(String text) throws IOException {
        return JSON.readTree(text);
    }

    /** One answer seen by curl: status, headers (lower-case names, last value wins) and the unzipped body. */
    record Answer(int status, Map<String, String> headers, String body) {
        String header(String name) {
            return headers.get(name);
        }
    }

    /** curl from {@code address} (any 127.x address is this machine); {@code httpVersion} is --http2 or --http1.1. */
    Answer curl(String address, String httpVersion, String... args) throws Exception {
        List<String> command = curlCommand(address, httpVersion);
        command.add("-i");
        command.addAll(List.of(args));
        String out = stack.run("curl", Map.of(), command.toArray(String[]::new));
        int split = out.indexOf("\r\n\r\n");
        String[] head = out.substring(0, split).split("\r\n");
        Map<String, String> headers = new HashMap<>();
        for (int i = 1; i < head.length; i++) {
            int colon = head[i].indexOf(':');
            headers.put(head[i].substring(0, colon).strip().toLowerCase(Locale.ROOT), head[i].substring(colon + 1).strip());
        }
        return new Answer(Integer.parseInt(head[0].split(" ")[1]), headers, out.substring(split + 4));
    }

    /** The same request {@code times} times over one connection, as fast as curl goes: each answer's status. */
    List<Integer> curlStatuses(String address, String httpVersion, int times, String... argsEndingWithUrl) throws Exception {
        List<String> command = curlCommand(address, httpVersion);
        command.addAll(List.of(argsEndingWithUrl).subList(0, argsEndingWithUrl.length - 1));
        command.addAll(List.of("-w", "%{http_code}\\n"));
        for (int i = 0; i < times; i++) {
            command.addAll(List.of(argsEndingWithUrl[argsEndingWithUrl.length - 1], "-o", "/dev/null"));
        }
        List<Integer> statuses = new ArrayList<>();
        for (String line : stack.run("curl", Map.of(), command.toArray(String[]::new)).strip().split("\n")) {
            statuses.add(Integer.parseInt(line.strip()));
        }
        return statuses;
    }

    private static List<String> curlCommand(String address, String httpVersion) {
        // -k: this test trusts Nginx's self-made certificate by not checking it; Java's client checks it.
        return new ArrayList<>(List.of("-sk", "--interface", address, httpVersion, "--compressed", "--max-time", "20"));
    }

    JsonNode awaitNginxEntry(String requestId) throws Exception {
        JsonNode[] found = new JsonNode[1];
        EdgeStack.await(() -> {
            try {
                for (String line : stack.nginxAccessLog()) {
                    if (line.contains("\"request_id\":\"" + requestId + "\"")) {
                        found[0] = JSON.readTree(line);
                        return true;
                    }
                }
                return false;
            } catch (IOException e) {
                return false;
            }
        }, "Nginx's access log line for " + requestId);
        return found[0];
    }

    /** How many access lines the app has written so far. */
    long appAccessLines() {
        try {
            return stack.appLog().lines().filter(l -> l.contains(" access ")).count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String awaitAppLine(String requestId) throws Exception {
        String[] found = new String[1];
        EdgeStack.await(() -> {
            try {
                found[0] = stack.appLog().lines().filter(l -> l.contains("request_id=" + requestId) && l.contains(" access "))
                        .findFirst().orElse(null);
                return found[0] != null;
            } catch (IOException e) {
                return false;
            }
        }, "the app's access line for " + requestId);
        return found[0];
    }
}
