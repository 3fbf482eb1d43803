package dev.roundtrip.e2e;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The table BadInputIT runs: one bad request per line, with the answer it must get. Each runs through
 * Nginx and directly against the app, unless the line says why only one of them makes sense.
 * In paths and headers, {id} is a note that exists and {missing} an id that does not; {token} is the session of
 * the user who owns {id}, and {token-cut} its first half. Every write carries that session unless the line is
 * about credentials: a body must reach the validation it is about, not stop at 401.
 */
final class BadInputCases {

    static final String MALFORMED = "/problems/malformed-json";
    static final String INVALID = "/problems/validation-failed";
    static final String STALE = "/problems/precondition-failed";
    static final String KEY_REUSED = "/problems/idempotency-key-reused";
    static final String BLANK = "about:blank";
    static final String UNAUTHENTICATED = "/problems/unauthenticated";
    static final String IN_URL = "/problems/credentials-in-url";
    static final String BEARER = "Bearer {token}";
    /** The Idempotency-Key of a note BadInputIT creates before the cases run. */
    static final String SEED_KEY = "bad-input-seed";

    /** Where a request can be sent. */
    enum Target { EDGE, APP }

    /** How it is sent: Java's HttpClient (HTTP/2 to Nginx) for most; curl for what HttpClient will not send. */
    enum Transport { CLIENT, CLIENT_HTTP11, CURL, CURL_HTTP11 }

    record Case(String name, String method, String path, List<String> headers, byte[] body, int status, String type,
                List<Target> targets, String why, Transport transport) {

        /** Sets a header, replacing one of the same name (e.g. post()'s Content-Type: application/json). */
        Case header(String name, String value) {
            List<String> more = new ArrayList<>(without(name).headers());
            more.add(name);
            more.add(value);
            return new Case(this.name, method, path, List.copyOf(more), body, status, type, targets, why, transport);
        }

        /** Without a header of that name (e.g. the session every write carries). */
        Case without(String name) {
            List<String> fewer = new ArrayList<>();
            for (int i = 0; i < headers.size(); i += 2) {
                if (!headers.get(i).equalsIgnoreCase(name)) {
                    fewer.add(headers.get(i));
                    fewer.add(headers.get(i + 1));
                }
            }
            return new Case(this.name, method, path, List.copyOf(fewer), body, status, type, targets, why, transport);
        }

        Case path(String other) {
            return new Case(name, method, other, headers, body, status, type, targets, why, transport);
        }

        Case via(Transport how) {
            return new Case(name, method, path, headers, body, status, type, targets, why, how);
        }

        /** Only straight to the app; {@code reason} is shown next to the case. */
        Case appOnly(String reason) {
            return new Case(name, method, path, headers, body, status, type, List.of(Target.APP), reason, transport);
        }

        /** Only through Nginx; {@code reason} is shown next to the case. */
        Case edgeOnly(String reason) {
            return new Case(name, method, path, headers, body, status, type, List.of(Target.EDGE), reason, transport);
        }
    }

    private BadInputCases() {
    }

    static List<Case> all() {
        List<Case> all = new ArrayList<>(notes());
        all.addAll(credentials());
        return all;
    }

    private static List<Case> notes() {
        String tagsOf11 = "[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\",\"j\",\"k\"]";
        String valid = "{\"title\":\"valid\",\"body\":\"but refused for another reason\"}";
        return List.of(
                // --- bodies that are not JSON, or not one JSON object ---
                post("truncated JSON", "{\"title\":\"a\"", 400, MALFORMED),
                post("unquoted field names", "{title: \"a\"}", 400, MALFORMED),
                post("garbage after the object", "{\"title\":\"a\"} x", 400, MALFORMED),
                post("the same field twice", "{\"title\":\"a\",\"title\":\"b\"}", 400, MALFORMED),
                post("an empty body", "", 400, MALFORMED),
                post("a JSON array", "[{\"title\":\"a\"}]", 400, INVALID),
                post("a JSON string", "\"a note\"", 400, INVALID),
                post("JSON null", "null", 400, INVALID),
                // --- wrong types, nulls, unknown fields ---
                post("an empty object", "{}", 400, INVALID),
                post("a null title", "{\"title\":null}", 400, INVALID),
                post("a number as title", "{\"title\":42}", 400, INVALID),
                post("an object as title", "{\"title\":{\"text\":\"a\"}}", 400, INVALID),
                post("an array as body", "{\"title\":\"a\",\"body\":[\"b\"]}", 400, INVALID),
                post("a string as tags", "{\"title\":\"a\",\"tags\":\"x\"}", 400, INVALID),
                post("a number and a null among the tags", "{\"title\":\"a\",\"tags\":[1,null]}", 400, INVALID),
                post("an unknown field", "{\"title\":\"a\",\"id\":5,\"version\":9}", 400, INVALID),
                // --- strings: empty, oversized, control characters, broken Unicode ---
                post("an empty title", "{\"title\":\"\"}", 400, INVALID),
                post("a blank title", "{\"title\":\"   \"}", 400, INVALID),
                post("a title of 201 characters", "{\"title\":\"" + "t".repeat(201) + "\"}", 400, INVALID),
                post("a body of 100 001 characters", "{\"title\":\"a\",\"body\":\"" + "b".repeat(100_001) + "\"}", 400, INVALID),
                post("11 tags", "{\"title\":\"a\",\"tags\":" + tagsOf11 + "}", 400, INVALID),
                post("a tag with capitals and a space", "{\"title\":\"a\",\"tags\":[\"Bad Tag\"]}", 400, INVALID),
                post("a tag with markup", "{\"title\":\"a\",\"tags\":[\"<b>\"]}", 400, INVALID),
                post("a tag of 31 characters", "{\"title\":\"a\",\"tags\":[\"" + "x".repeat(31) + "\"]}", 400, INVALID),
                post("the same tag twice", "{\"title\":\"a\",\"tags\":[\"x\",\"x\"]}", 400, INVALID),
                post("an escaped NUL in the title", "{\"title\":\"a\\u0000b\"}", 400, INVALID),
                post("a newline in the title", "{\"title\":\"line\\nbreak\"}", 400, INVALID),
                post("a bell character in the body", "{\"title\":\"a\",\"body\":\"ding\\u0007\"}", 400, INVALID),
                post("a raw control byte inside a string", "{\"title\":\"a\u0001b\"}", 400, MALFORMED),
                post("an unpaired surrogate escape", "{\"title\":\"a\",\"body\":\"\\ud800\"}", 400, INVALID),
                postBytes("invalid UTF-8 bytes", bytes("{\"title\":\"", 0xC3, 0x28, "\"}"), 400, MALFORMED),
                postBytes("an overlong UTF-8 encoding of '/'", bytes("{\"title\":\"", 0xC0, 0xAF, "\"}"), 400, MALFORMED),
                postBytes("a 2 MiB body", bytes("{\"title\":\"a\",\"body\":\"" + "z".repeat(2 * 1024 * 1024) + "\"}"), 413, BLANK)
                        .via(Transport.CURL), // HttpClient gives up on a stream answered before its upload ends
                // --- Content-Type and headers ---
                post("Content-Type text/plain", valid, 415, BLANK).header("Content-Type", "text/plain"),
                call("no Content-Type", "POST", "/api/notes", bytes(valid), 415, BLANK),
                post("a charset other than UTF-8", valid, 415, BLANK).header("Content-Type", "application/json; charset=latin1"),
                post("a form instead of JSON", "title=a", 415, BLANK).header("Content-Type", "application/x-www-form-urlencoded"),
                post("an Idempotency-Key with a space", valid, 400, INVALID).header("Idempotency-Key", "two words"),
                post("an Idempotency-Key reused with other content", valid, 422, KEY_REUSED).header("Idempotency-Key", SEED_KEY),
                call("a header of 50 KiB", "GET", "/api/health", null, 431, BLANK).header("X-Padding", "p".repeat(50 * 1024))
                        .via(Transport.CLIENT_HTTP11), // over HTTP/2 Nginx 1.22 drops the connection (GOAWAY) instead
                // --- replacing and deleting: the existing note must stay as it was ---
                put("a malformed replacement", "{\"title\":", 400, MALFORMED),
                put("an invalid replacement", "{\"title\":\"\",\"tags\":[\"Bad Tag\"]}", 400, INVALID),
                put("a stale If-Match", valid, 412, STALE).header("If-Match", "\"{id}.999\""),
                put("an If-Match that is no entity tag", valid, 400, INVALID).header("If-Match", "yesterday's"),
                call("an If-Match of 7 000 spaces between two x", "DELETE", "/api/notes/{id}", null, 400, INVALID)
                        .header("If-Match", "x" + " ".repeat(7_000) + "x"),
                call("DELETE with a stale If-Match", "DELETE", "/api/notes/{id}", null, 412, STALE).header("If-Match", "\"{id}.999\""),
                call("PUT to a note that does not exist", "PUT", "/api/notes/{missing}", bytes(valid), 404, BLANK)
                        .header("Content-Type", "application/json"),
                call("DELETE of a note that does not exist", "DELETE", "/api/notes/{missing}", null, 404, BLANK),
                // --- ids, paging, filters ---
                get("a negative id", "/api/notes/-1", 400, INVALID),
                get("id 0", "/api/notes/0", 400, INVALID),
                get("a non-numeric id", "/api/notes/abc", 400, INVALID),
                get("an id beyond 64 bits", "/api/notes/99999999999999999999", 400, INVALID),
                get("limit=0", "/api/notes?limit=0", 400, INVALID),
                get("limit=100000", "/api/notes?limit=100000", 400, INVALID),
                get("a non-numeric limit", "/api/notes?limit=ten", 400, INVALID),
                get("a forged cursor (after:-1)", "/api/notes?cursor=YWZ0ZXI6LTE", 400, INVALID),
                get("a cursor that is not base64", "/api/notes?cursor=%21%21%21", 400, INVALID),
                get("SQL as the tag filter", "/api/notes?tag=x%27%3B%20DROP%20TABLE%20notes%3B--", 400, INVALID),
                get("a blank search", "/api/notes?q=%20%20", 400, INVALID),
                get("a search of 201 characters", "/api/notes?q=" + "q".repeat(201), 400, INVALID),
                // --- methods and routes ---
                call("PATCH on a note", "PATCH", "/api/notes/{id}", bytes("{}"), 405, BLANK).header("Content-Type", "application/json"),
                call("DELETE on the collection", "DELETE", "/api/notes", null, 405, BLANK),
                call("TRACE", "TRACE", "/api/notes", null, 405, BLANK),
                call("a made-up method", "BREW", "/api/notes", null, 405, BLANK),
                call("POST to a static page", "POST", "/index.html", bytes(valid), 405, BLANK)
                        .header("Content-Type", "application/json").edgeOnly("static files are Nginx's; the app serves none"),
                get("an unknown API route", "/api/nothing-here", 404, BLANK),
                // --- paths: traversal, encodings, length ---
                get("/../ above the site root", "/../../etc/passwd", 400, BLANK).via(Transport.CURL)
                        .edgeOnly("traversal on static files: Nginx serves them; curl --path-as-is keeps the dots"),
                get("/%2e%2e/ above the site root", "/%2e%2e/%2e%2e/etc/passwd", 400, BLANK).via(Transport.CURL)
                        .edgeOnly("traversal on static files"),
                get("..%2f above the site root", "/..%2f..%2fetc/passwd", 400, BLANK).via(Transport.CURL)
                        .edgeOnly("traversal on static files"),
                get("/%2e%2e/ out of /api/", "/api/%2e%2e/%2e%2e/etc/passwd", 400, BLANK).via(Transport.CURL),
                get("an encoded NUL in the path", "/api/notes/%00", 400, BLANK),
                get("invalid UTF-8 in the path", "/api/notes/%C3%28", 400, BLANK),
                get("a URL of 9000 characters over HTTP/1.1", "/api/notes?q=" + "u".repeat(9000), 414, BLANK)
                        .via(Transport.CLIENT_HTTP11).edgeOnly("Nginx's request line limit is 8 KiB; the app's is 40 KiB"),
                get("a URL of 50 000 characters", "/api/notes?q=" + "u".repeat(50_000), 414, BLANK)
                        .appOnly("over the app's 40 KiB; Nginx refuses far less (the case above)"),
                get("a URL of 10 000 characters over HTTP/2", "/api/notes?q=" + "u".repeat(10_000), 400, INVALID)
                        .edgeOnly("HTTP/2 header compression lets it past Nginx's 8 KiB: the app answers q is too long"));
    }

    /** Sessions that are not one, credentials where they never belong, and account bodies over every bound. */
    private static List<Case> credentials() {
        String valid = "{\"title\":\"valid\",\"body\":\"refused for its credentials\"}";
        String forged = "Bearer " + "A".repeat(43); // the shape of a token, 256 bits no session has
        return List.of(
                post("a write without a session", valid, 401, UNAUTHENTICATED).without("Authorization"),
                post("a forged token", valid, 401, UNAUTHENTICATED).header("Authorization", forged),
                post("a truncated token", valid, 401, UNAUTHENTICATED).header("Authorization", "Bearer {token-cut}"),
                post("a token of 4 000 characters", valid, 401, UNAUTHENTICATED).header("Authorization", "Bearer " + "A".repeat(4000)),
                post("the Bearer scheme without a token", valid, 401, UNAUTHENTICATED).header("Authorization", "Bearer"),
                post("two tokens in one header", valid, 401, UNAUTHENTICATED).header("Authorization", "Bearer {token} {token}"),
                post("Basic credentials", valid, 401, UNAUTHENTICATED).header("Authorization", "Basic ZTJlOnBhc3N3b3Jk"),
                put("a forged bearer beside the real session cookie (the header wins)", valid, 401, UNAUTHENTICATED)
                        .header("Authorization", forged).header("Cookie", "__Host-roundtrip-session={token}"),
                get("access_token in the query", "/api/notes?access_token={token}", 400, IN_URL),
                get("session in the query of /api/me", "/api/me?session={token}", 400, IN_URL),
                post("token in the query of a write", valid, 400, IN_URL).path("/api/notes?token={token}"),
                account("a username of 2 000 characters", "/api/users", "{\"username\":\"" + "u".repeat(2_000)
                        + "\",\"password\":\"long enough\"}"),
                account("a password of 2 000 characters", "/api/sessions", "{\"username\":\"someone\",\"password\":\""
                        + "p".repeat(2_000) + "\"}"),
                account("a log-in body of 200 000 bytes (over the 8 KiB an account body may have)", "/api/sessions",
                        "{\"username\":\"someone\",\"password\":\"" + "p".repeat(200_000) + "\"}", 413, BLANK),
                account("a NUL in the username", "/api/users", "{\"username\":\"a\\u0000b\",\"password\":\"long enough\"}")
                        .appOnly("the body check is the app's; the edge allows 10 log-ins a minute"),
                account("a password of 257 emoji: 1 028 UTF-8 bytes", "/api/users", "{\"username\":\"emoji\",\"password\":\""
                        + "\uD83D\uDE00".repeat(257) + "\"}").appOnly("the body check is the app's"),
                account("a number as the username", "/api/sessions", "{\"username\":42,\"password\":\"long enough\"}")
                        .appOnly("the body check is the app's"));
    }

    /** A body for POST /api/users or /api/sessions that must be refused before any password is hashed. */
    private static Case account(String name, String path, String json) {
        return account(name, path, json, 400, INVALID);
    }

    private static Case account(String name, String path, String json, int status, String type) {
        return postBytes(name, bytes(json), status, type).path(path).without("Authorization");
    }

    private static Case post(String name, String json, int status, String type) {
        return postBytes(name, bytes(json), status, type);
    }

    private static Case postBytes(String name, byte[] body, int status, String type) {
        return call(name, "POST", "/api/notes", body, status, type).header("Content-Type", "application/json");
    }

    private static Case put(String name, String json, int status, String type) {
        return call(name, "PUT", "/api/notes/{id}", bytes(json), status, type).header("Content-Type", "application/json");
    }

    private static Case get(String name, String path, int status, String type) {
        return call(name, "GET", path, null, status, type);
    }

    private static Case call(String name, String method, String path, byte[] body, int status, String type) {
        boolean write = List.of("POST", "PUT", "DELETE", "PATCH").contains(method);
        return new Case(name, method, path, write ? List.of("Authorization", BEARER) : List.of(), body, status, type,
                List.of(Target.EDGE, Target.APP), "", Transport.CLIENT);
    }

    /** Text as UTF-8 and ints as raw bytes, in order: for bodies that are not valid UTF-8. */
    private static byte[] bytes(Object... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (Object part : parts) {
            if (part instanceof Integer b) {
                out.write(b);
            } else {
                out.writeBytes(((String) part).getBytes(StandardCharsets.UTF_8));
            }
        }
        return out.toByteArray();
    }
}
