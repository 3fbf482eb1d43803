package dev.roundtrip.e2e;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * What HostileClientIT sends: what an attacker tries first, one class per group, a few members each. Every
 * case names the statuses it may get once the app is fixed: one where the answer is certain, a small set of
 * 4xx (or 2xx where the input is legal) where more than one answer is right. Never 5xx, never 429.
 */
final class HostileCases {

    /** Where a request goes: raw HTTP/1.1 through Nginx (TLS), Java's HTTP/2 client through Nginx, or raw to the app. */
    enum Target { EDGE, EDGE_H2, APP }

    record Case(String group, String name, Target target, String method, byte[] path, List<byte[]> headers, byte[] body,
                Set<Integer> statuses, String field, String mustNotContain) {

        Case header(Object... parts) {
            List<byte[]> more = new ArrayList<>(headers);
            more.add(bytes(parts));
            return new Case(group, name, target, method, path, List.copyOf(more), body, statuses, field, mustNotContain);
        }

        Case headers(int copies, Object... parts) {
            Case c = this;
            for (int i = 0; i < copies; i++) {
                c = c.header(parts);
            }
            return c;
        }

        /** A body as it is, with no Content-Type of its own. */
        Case body(byte[] bytes) {
            return new Case(group, name, target, method, path, headers, bytes, statuses, field, mustNotContain);
        }

        /** A JSON body (any bytes), with Content-Type: application/json. */
        Case json(byte[] json) {
            return new Case(group, name, target, method, path, headers, json, statuses, field, mustNotContain)
                    .header("Content-Type: application/json");
        }

        /** The problem's errors[] must name this field. */
        Case field(String name) {
            return new Case(group, this.name, target, method, path, headers, body, statuses, name, mustNotContain);
        }

        /** The answer must not contain this text (a forged value that must not get through). */
        Case without(String text) {
            return new Case(group, name, target, method, path, headers, body, statuses, field, text);
        }

        Case to(Target where) {
            return new Case(group, name, where, method, path, headers, body, statuses, field, mustNotContain);
        }

        boolean write() {
            return !method.equals("GET");
        }

        byte[] wire() {
            return RawHttp.request(method, path, headers, body);
        }

        String label() {
            return group + ": " + name + " → " + statuses + " (" + target + ")";
        }
    }

    static final String VALID = "{\"title\":\"valid\",\"body\":\"refused for another reason\"}";
    static final long MISSING = 999_999;

    private HostileCases() {
    }

    /**
     * {@code id}: a note that exists and must stay as it is; {@code bearer}: "Bearer token" of its owner. Every write
     * carries that session, so a hostile body meets the parser it is aimed at and not the 401 before it; the
     * credentials group sends its own.
     */
    static List<Case> all(long id, String bearer) {
        List<Case> all = new ArrayList<>();
        all.addAll(headers(id));
        all.addAll(queries());
        all.addAll(paths(id));
        all.addAll(json());
        all.addAll(utf8(id));
        all.addAll(control(id));
        all.addAll(search());
        all.addAll(forgedEdge());
        List<Case> cases = new ArrayList<>(all.stream().map(c -> c.write() ? c.header("Authorization: " + bearer) : c).toList());
        cases.addAll(credentials(id, bearer));
        return cases;
    }

    static List<Case> headers(long id) {
        String g = "long and repeated headers";
        String spaces = " ".repeat(7000);
        return List.of(
                c(g, "If-Match: x, 7 000 spaces, x on PUT", "PUT", "/api/notes/" + id, 400).json(b(VALID))
                        .header("If-Match: x" + spaces + "x").field("If-Match"),
                c(g, "If-Match: x, 7 000 spaces, x on DELETE of a missing note", "DELETE", "/api/notes/" + MISSING, 400)
                        .header("If-Match: x" + spaces + "x").field("If-Match"),
                c(g, "If-None-Match: two tags 7 000 spaces apart", "GET", "/api/notes/" + id, 200, 400)
                        .header("If-None-Match: \"a\"" + spaces + "\"b\""),
                c(g, "If-Match: a list of 500 stale tags (over the 64 a list may hold)", "PUT", "/api/notes/" + id, 400).json(b(VALID))
                        .header("If-Match: " + ("\"" + id + ".999\", ").repeat(500) + "\"" + id + ".998\"").field("If-Match"),
                c(g, "200 If-Match headers", "PUT", "/api/notes/" + id, 400, 412).json(b(VALID))
                        .headers(200, "If-Match: \"" + id + ".999\""),
                c(g, "200 copies of a header the app ignores", "GET", "/api/notes/" + id, 200).headers(200, "X-Noise: 1"),
                c(g, "one header of 30 KiB", "GET", "/api/health", 431).header("X-Padding: " + "p".repeat(30 * 1024)),
                c(g, "five headers of 7 KiB (35 KiB together)", "GET", "/api/health", 431)
                        .headers(5, "X-Padding: " + "p".repeat(7 * 1024)),
                c(g, "a request line of 10 KiB", "GET", "/api/notes?q=" + "u".repeat(10 * 1024), 414));
    }

    static List<Case> queries() {
        String g = "huge query strings and many parameters";
        return List.of(
                c(g, "10 000 parameters (20 KB) over HTTP/1.1", "GET", "/api/notes?" + "a&".repeat(10_000) + "a", 414),
                c(g, "10 000 parameters (20 KB) over HTTP/2 (0: GOAWAY)", "GET", "/api/notes?" + "a&".repeat(10_000) + "a", 0, 200, 400, 414)
                        .to(Target.EDGE_H2),
                c(g, "2 500 parameters (7.5 KB, under Nginx's 8 KiB)", "GET", "/api/notes?tag=no-such-tag&" + "x=&".repeat(2500), 200, 400),
                c(g, "limit= repeated 700 times", "GET", "/api/notes?tag=no-such-tag" + "&limit=1".repeat(700), 200, 400),
                c(g, "limit=1 then limit=100000", "GET", "/api/notes?tag=no-such-tag&limit=1&limit=100000", 200, 400),
                c(g, "7 000 ampersands", "GET", "/api/notes?tag=no-such-tag" + "&".repeat(7000), 200, 400),
                c(g, "a parameter name of 7 000 characters", "GET", "/api/notes?tag=no-such-tag&" + "n".repeat(7000) + "=1", 200, 400));
    }

    static List<Case> paths(long id) {
        String g = "path tricks";
        return List.of(
                c(g, "/%2e%2e/ out of /api/", "GET", "/api/%2e%2e/%2e%2e/etc/passwd", 400),
                c(g, "a note id of 7 000 digits", "GET", "/api/notes/" + "1".repeat(7000), 400).field("id"),
                c(g, "an unknown route of 7 000 characters", "GET", "/api/" + "x".repeat(7000), 404),
                c(g, "2 000 empty segments", "GET", "/api/notes" + "/".repeat(2000) + id, 200, 400, 404),
                c(g, "an encoded slash in the id", "GET", "/api/notes/1%2F2", 400, 404),
                c(g, "backslashes and dots", "GET", "/api/notes/..\\..\\..\\etc\\passwd", 400, 404),
                c(g, "a path parameter (;jsessionid=)", "GET", "/api/notes/" + id + ";jsessionid=x", 400, 404),
                c(g, "an absolute URI naming another host", "GET", "http://evil.example/api/health", 200, 400),
                c(g, "a dot segment", "GET", "/api/notes/./" + id, 200, 400, 404));
    }

    static List<Case> json() {
        String g = "deep and wide JSON, giant names and numbers";
        StringBuilder wide = new StringBuilder("{\"title\":\"a\"");
        for (int i = 0; wide.length() < 1_000_000; i++) {
            wide.append(",\"").append(Integer.toString(i, 36)).append("\":0");
        }
        wide.append('}');
        return List.of(
                post(g, "200 000 nested arrays", b("[".repeat(200_000)), 400),
                post(g, "200 000 nested objects", b("{\"a\":".repeat(200_000)), 400),
                post(g, "200 000 nested arrays inside the body field", b("{\"title\":\"a\",\"body\":" + "[".repeat(200_000)), 400),
                post(g, "1 MB of unknown fields with short keys", b(wide.toString()), 400),
                post(g, "100 000 invalid tags", b("{\"title\":\"a\",\"tags\":[" + "\"X\",".repeat(99_999) + "\"X\"]}"), 400),
                post(g, "a field name of 900 KB", b("{\"" + "k".repeat(900_000) + "\":1}"), 400),
                post(g, "a number of 5 000 digits", b("{\"title\":" + "9".repeat(5000) + "}"), 400),
                post(g, "an exponent of a billion", b("{\"title\":\"a\",\"body\":1e1000000000}"), 400),
                post(g, "a title of 900 KB", b("{\"title\":\"" + "t".repeat(900_000) + "\"}"), 400).field("title"));
    }

    static List<Case> utf8(long id) {
        String g = "invalid and overlong UTF-8";
        return List.of(
                post(g, "an overlong NUL (C0 80) in the body", bytes("{\"title\":\"a", 0xC0, 0x80, "\"}"), 400),
                post(g, "a surrogate encoded in UTF-8 (ED A0 80)", bytes("{\"title\":\"a", 0xED, 0xA0, 0x80, "\"}"), 400),
                post(g, "a 5-byte sequence (F8 88 80 80 80)", bytes("{\"title\":\"a", 0xF8, 0x88, 0x80, 0x80, 0x80, "\"}"), 400),
                post(g, "a lone continuation byte (80)", bytes("{\"title\":\"a", 0x80, "\"}"), 400),
                post(g, "a body cut inside a character (E2 82)", bytes("{\"title\":\"a", 0xE2, 0x82), 400),
                c(g, "q=%C3%28 (invalid, percent-encoded)", "GET", "/api/notes?q=%C3%28", 400).field("q"),
                c(g, "q=%C0%AF (overlong '/')", "GET", "/api/notes?q=%C0%AF", 400).field("q"),
                raw(g, "a raw FF byte in the query", "GET", bytes("/api/notes?q=a", 0xFF, "b"), 400),
                c(g, "/api/notes/%C0%AF in the path", "GET", "/api/notes/%C0%AF", 400),
                raw(g, "a raw FF byte in the path", "GET", bytes("/api/notes/", 0xFF), 400),
                c(g, "If-Match of invalid UTF-8", "PUT", "/api/notes/" + id, 400, 412).json(b(VALID))
                        .header("If-Match: \"", 0xC3, 0x28, "\""),
                post(g, "an Idempotency-Key with an overlong '/' (C0 AF)", b(VALID), 400).header("Idempotency-Key: k", 0xC0, 0xAF),
                c(g, "X-Request-ID of invalid UTF-8", "GET", "/api/health", 200).header("X-Request-ID: ", 0xC3, 0x28),
                c(g, "a Content-Type of invalid UTF-8", "POST", "/api/notes", 400, 415).body(b(VALID))
                        .header("Content-Type: application/", 0xC3, 0x28));
    }

    static List<Case> control(long id) {
        String g = "NUL and control characters";
        return List.of(
                raw(g, "a raw NUL in the path", "GET", bytes("/api/notes/1", 0x00), 400),
                c(g, "%00 in the path", "GET", "/api/notes/%00", 400),
                c(g, "an encoded CR LF in the path", "GET", "/api/notes/1%0D%0AX-Injected:%20yes", 400, 404),
                raw(g, "a raw 01 byte in the path", "GET", bytes("/api/notes/", 0x01), 400),
                c(g, "q=a%00b", "GET", "/api/notes?q=a%00b", 400).field("q"),
                c(g, "tag=%00", "GET", "/api/notes?tag=%00", 400).field("tag"),
                c(g, "cursor=%00", "GET", "/api/notes?cursor=%00", 400).field("cursor"),
                c(g, "limit=1%00", "GET", "/api/notes?limit=1%00", 400).field("limit"),
                raw(g, "a raw 01 byte in the query", "GET", bytes("/api/notes?q=ab", 0x01, "c"), 400),
                c(g, "a raw NUL in a header value", "GET", "/api/health", 400).header("X-Noise: a", 0x00, "b"),
                c(g, "a 01 byte in If-Match", "PUT", "/api/notes/" + id, 400, 412).json(b(VALID)).header("If-Match: \"", 0x01, "\""),
                post(g, "a DEL byte in Idempotency-Key", b(VALID), 400).header("Idempotency-Key: k", 0x7F),
                c(g, "a bare CR inside a header value", "GET", "/api/health", 400).header("X-Noise: a", 0x0D, "b"),
                post(g, "a raw NUL between JSON tokens", bytes("{\"title\":\"a\"", 0x00, "}"), 400),
                post(g, "a raw NUL inside a string", bytes("{\"title\":\"a", 0x00, "b\"}"), 400),
                post(g, "an escaped NUL in a field name", b("{\"ti\\u0000tle\":\"a\"}"), 400));
    }

    static List<Case> search() {
        String g = "search";
        return List.of(
                c(g, "q=%00 alone", "GET", "/api/notes?q=%00", 400).field("q"),
                c(g, "q of 100 one-letter words", "GET", "/api/notes?q=" + "z+".repeat(99) + "z", 200, 400),
                c(g, "q of 66 two-letter words", "GET", "/api/notes?q=" + "ab+".repeat(65) + "ab", 200, 400),
                c(g, "q of 200 short words (over 200 characters)", "GET", "/api/notes?q=" + "a+".repeat(199) + "a", 400).field("q"),
                c(g, "q in FTS5 syntax: NEAR(zzqx yyqx)", "GET", "/api/notes?q=NEAR%28zzqx+yyqx%29", 200),
                c(g, "q of a lone double quote", "GET", "/api/notes?q=%22", 200),
                c(g, "q of LIKE wildcards %_!", "GET", "/api/notes?q=%25_%21", 200));
    }

    static List<Case> forgedEdge() {
        String g = "forged edge headers";
        String[][] forged = {{"X-Edge-Msec", "1e12"}, {"X-Edge-Msec", "1e308"}, {"X-Edge-Msec", "-1e308"},
                {"X-Edge-Msec", "NaN"}, {"X-Edge-Msec", "Infinity"}, {"X-Edge-Request-Time", "1e300"},
                {"X-Edge-Client-Port", "1e30"}, {"X-Edge-Connection-Requests", "1e40"}};
        List<Case> cases = new ArrayList<>();
        for (String[] header : forged) {
            cases.add(c(g, header[0] + ": " + header[1] + " sent straight to the app", "GET", "/api/journey", 200, 400)
                    .header(header[0].equals("X-Edge-Msec") ? "X-Real-IP: 127.0.0.1" : "X-Edge-Msec: 1764600000.000")
                    .header(header[0] + ": " + header[1]).to(Target.APP));
        }
        cases.add(c(g, "X-Edge-Msec: 1e12 through Nginx (overwritten)", "GET", "/api/journey", 200).header("X-Edge-Msec: 1e12"));
        cases.add(c(g, "a forged client address through Nginx", "GET", "/api/journey", 200)
                .header("X-Real-IP: 6.6.6.6").header("X-Forwarded-For: 6.6.6.6").header("Forwarded: for=6.6.6.6").without("6.6.6.6"));
        return cases;
    }

    static List<Case> credentials(long id, String bearer) {
        String g = "forged and misplaced credentials";
        String token = bearer.substring("Bearer ".length());
        String forged = "A".repeat(43); // the shape of a token: 256 bits that no session has
        return List.of(
                post(g, "a write without a session", b(VALID), 401),
                post(g, "a forged token", b(VALID), 401).header("Authorization: Bearer " + forged),
                post(g, "a truncated token", b(VALID), 401).header("Authorization: Bearer " + token.substring(0, 21)),
                post(g, "a token of 7 000 characters", b(VALID), 401).header("Authorization: Bearer " + "A".repeat(7000)),
                post(g, "200 Authorization headers of forged tokens", b(VALID), 400, 401).headers(200, "Authorization: Bearer " + forged),
                post(g, "the real token twice in one header", b(VALID), 400, 401).header("Authorization: Bearer " + token + " " + token),
                post(g, "Basic credentials", b(VALID), 401).header("Authorization: Basic ZTJlOnBhc3N3b3Jk"),
                post(g, "a NUL inside the token", b(VALID), 400, 401).header("Authorization: Bearer " + token.substring(0, 20), 0x00, "x"),
                post(g, "invalid UTF-8 as the token", b(VALID), 400, 401).header("Authorization: Bearer ", 0xC3, 0x28),
                c(g, "a forged bearer beside the real session cookie (the header wins)", "PUT", "/api/notes/" + id, 401).json(b(VALID))
                        .header("Authorization: Bearer " + forged).header("Cookie: __Host-roundtrip-session=" + token),
                post(g, "a session cookie of 7 000 characters", b(VALID), 400, 401).header("Cookie: __Host-roundtrip-session=" + "c".repeat(7000)),
                c(g, "access_token in the query", "GET", "/api/notes?access_token=" + token, 400).without(token),
                c(g, "token in the query of a write", "POST", "/api/notes?token=" + token, 400).json(b(VALID))
                        .header("Authorization: " + bearer).without(token),
                c(g, "a username of 7 000 characters (under the 8 KiB an account body may have)", "POST", "/api/users", 400)
                        .json(b("{\"username\":\"" + "u".repeat(7_000) + "\",\"password\":\"long enough\"}")).field("username"),
                c(g, "a password of 7 000 characters (never hashed)", "POST", "/api/sessions", 400)
                        .json(b("{\"username\":\"someone\",\"password\":\"" + "p".repeat(7_000) + "\"}")).field("password"),
                c(g, "a username of 900 KB", "POST", "/api/users", 413)
                        .json(b("{\"username\":\"" + "u".repeat(900_000) + "\",\"password\":\"long enough\"}")),
                c(g, "a password of 900 KB (never hashed)", "POST", "/api/sessions", 413)
                        .json(b("{\"username\":\"someone\",\"password\":\"" + "p".repeat(900_000) + "\"}")),
                c(g, "200 000 nested arrays as the password", "POST", "/api/sessions", 413)
                        .json(b("{\"username\":\"someone\",\"password\":" + "[".repeat(200_000))));
    }

    /** A case through Nginx with a path of plain text. */
    static Case c(String group, String name, String method, String path, Integer... statuses) {
        return raw(group, name, method, b(path), statuses);
    }

    static Case raw(String group, String name, String method, byte[] path, Integer... statuses) {
        return new Case(group, name, Target.EDGE, method, path, List.of(), null, Set.of(statuses), null, null);
    }

    static Case post(String group, String name, byte[] json, Integer... statuses) {
        return c(group, name, "POST", "/api/notes", statuses).json(json);
    }

    static byte[] b(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** Text as UTF-8 and ints as raw bytes, in order: for what is not valid UTF-8 or not printable. */
    static byte[] bytes(Object... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object part : parts) {
            if (part instanceof Integer i) {
                out.write(i);
            } else {
                out.writeBytes(b((String) part));
            }
        }
        return out.toByteArray();
    }
}
