package dev.roundtrip.http;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Locale;

/**
 * Reads a request body that must be one JSON object, answering 415 / 413 / 400 for everything else.
 * Fields are checked afterwards by each feature's input class, so errors can name the field. Whatever the
 * parser refuses (bad syntax, bytes that are not UTF-8, a raw NUL, a limit of {@link Json#LIMITS}) is a 400
 * {@code /problems/malformed-json} whose one error names where it stopped ({@code title}, {@code tags[3]},
 * or {@code $} for the body as a whole).
 */
public final class JsonBody {

    private static final int MAX_CONTENT_TYPE = 100;
    /** The most of a refused body that is read to let the sender finish: Nginx's client_max_body_size. */
    private static final long MAX_DISCARD = 1024 * 1024;
    private final ObjectMapper mapper;

    public JsonBody(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    public ObjectNode readObject(Context ctx) {
        requireOneContentType(ctx);
        requireJsonContentType(ctx.contentType());
        return toObject(ctx.bodyAsBytes()); // over config.http.maxRequestSize → 413 before anything is parsed
    }

    /**
     * As {@link #readObject}, for a body that is always small (a username and a password): at most {@code maxBytes},
     * read from the request itself and not kept on it. An answer that waits (a log-in queued for its hash) would
     * otherwise hold a cached body of up to 1 MiB, and 64 waiting ones more than a 64 MB heap.
     */
    public ObjectNode readSmallObject(Context ctx, int maxBytes) {
        requireOneContentType(ctx);
        requireJsonContentType(ctx.contentType());
        long declared = ctx.req().getContentLengthLong();
        if (declared > MAX_DISCARD) {
            throw tooLarge(maxBytes); // more than Nginx would ever send: refused before a byte is read
        }
        byte[] bytes;
        try {
            InputStream in = ctx.req().getInputStream();
            bytes = in.readNBytes(maxBytes + 1); // chunked: no length was declared
            if (bytes.length > maxBytes) {
                discard(in); // whatever the rest does, the answer is 413: the body is too large already
                throw tooLarge(maxBytes);
            }
        } catch (IOException e) { // shorter than its Content-Length, or it stopped arriving (the idle timeout)
            throw new ProblemException(400, "about:blank", "Bad Request",
                    "The request body ended early or stopped arriving.", List.of());
        }
        return toObject(bytes);
    }

    /**
     * Reads the rest of a refused body into nothing, up to the 1 MiB any request may have: Nginx sends a body it
     * buffered in one go, and a server that answers and closes while it still sends is a 502 ("broken pipe") at the
     * client instead of this 413. Memory stays one small buffer; beyond 1 MiB the connection is simply closed.
     */
    private static void discard(InputStream in) {
        byte[] buffer = new byte[8192];
        long left = MAX_DISCARD;
        try {
            for (int n; left > 0 && (n = in.read(buffer, 0, (int) Math.min(buffer.length, left))) > 0; ) {
                left -= n;
            }
        } catch (IOException stoppedArriving) {
            // the rest never came: the connection closes after the 413
        }
    }

    private static ProblemException tooLarge(int maxBytes) {
        return new ProblemException(413, "about:blank", "Content Too Large",
                "This request's body may be at most " + maxBytes + " bytes.", List.of());
    }

    private ObjectNode toObject(byte[] bytes) {
        if (bytes.length == 0) {
            throw malformed("$", "is empty; send a JSON object", null);
        }
        if (looksLikeUtf16Or32(bytes)) {
            throw malformed("$", "must be UTF-8 (it looks like UTF-16 or UTF-32)", null);
        }
        JsonNode node = parse(bytes);
        if (node == null || node.isMissingNode()) {
            throw malformed("$", "holds no JSON value; send a JSON object", null);
        }
        if (!node.isObject()) {
            throw ProblemException.invalid("$", "must be a JSON object, got " + node.getNodeType().name().toLowerCase(Locale.ROOT));
        }
        return (ObjectNode) node;
    }

    private JsonNode parse(byte[] bytes) {
        JsonParser parser = null;
        try {
            parser = mapper.createParser(bytes);
            return mapper.readTree(parser);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? null
                    : "line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
            throw malformed(path(parser), reason(e), where);
        } catch (IOException e) { // a decoding failure Jackson reports outside JsonProcessingException
            throw malformed(path(parser), ClientText.echo(e.getMessage(), FieldError.MAX_MESSAGE), null);
        } finally {
            close(parser);
        }
    }

    /** Jackson's own words, cut before anything else is done with them; a limit says which one. */
    private static String reason(JsonProcessingException e) {
        String message = ClientText.echo(e.getOriginalMessage(), FieldError.MAX_MESSAGE);
        int internals = message.indexOf(", from `StreamReadConstraints"); // the setting's Java name means nothing here
        if (internals > 0) {
            message = message.substring(0, internals) + ")";
        }
        return e instanceof StreamConstraintsException ? "exceeds a limit of this API: " + message : message;
    }

    /** Where the parser stopped, as the input checks name fields: {@code tags[2]}, {@code a.b}; "$" at the top. */
    private static String path(JsonParser parser) {
        if (parser == null) {
            return "$";
        }
        StringBuilder path = new StringBuilder();
        for (JsonStreamContext c = parser.getParsingContext(); c != null && !c.inRoot(); c = c.getParent()) {
            String step = c.inArray() ? "[" + Math.max(0, c.getCurrentIndex()) + "]"
                    : c.getCurrentName() == null ? "" : (c.getParent().inRoot() ? "" : ".") + c.getCurrentName();
            path.insert(0, step); // at most Json.LIMITS' depth of steps
        }
        return path.length() == 0 || path.charAt(0) == '[' ? "$" + path : path.toString();
    }

    private static void close(JsonParser parser) {
        if (parser != null) {
            try {
                parser.close();
            } catch (IOException ignored) {
                // reading from a byte array: nothing to release
            }
        }
    }

    /**
     * Jackson would detect UTF-16 and UTF-32 by a BOM or by the 0x00 bytes among the first four (RFC 4627 §3)
     * and decode them; the contract is UTF-8 only (RFC 8259 §8.1). A UTF-8 BOM is UTF-8, which §8.1 lets a
     * parser ignore: Jackson skips it, and so do we.
     */
    private static boolean looksLikeUtf16Or32(byte[] bytes) {
        if (bytes.length >= 2 && ((bytes[0] == (byte) 0xFE && bytes[1] == (byte) 0xFF)
                || (bytes[0] == (byte) 0xFF && bytes[1] == (byte) 0xFE))) {
            return true; // UTF-16 BE / LE, or UTF-32 LE (FF FE 00 00)
        }
        for (int i = 0; i < Math.min(4, bytes.length); i++) {
            if (bytes[i] == 0) {
                return true; // also UTF-32 BE's BOM, 00 00 FE FF
            }
        }
        return false;
    }

    /** Content-Type is not a list (RFC 9110 §5.3, §8.3): sent twice, which one the body is in is unknown. */
    private static void requireOneContentType(Context ctx) {
        var values = ctx.req().getHeaders("Content-Type");
        if (values != null && values.hasMoreElements()) {
            values.nextElement();
            if (values.hasMoreElements()) {
                throw ProblemException.invalid("Content-Type", "must be sent once");
            }
        }
    }

    private static void requireJsonContentType(String contentType) {
        if (contentType == null) {
            throw unsupportedMediaType("The request has no Content-Type; send Content-Type: application/json.");
        }
        // "application/json; charset=utf-8" is 31 characters: a longer value is refused before it is split.
        String[] parts = contentType.length() > MAX_CONTENT_TYPE ? new String[] {""} : contentType.split(";");
        boolean json = parts[0].strip().equalsIgnoreCase("application/json");
        for (int i = 1; i < parts.length && json; i++) {
            String[] parameter = parts[i].strip().split("=", 2);
            if (parameter[0].equalsIgnoreCase("charset")) {
                json = parameter.length == 2 && parameter[1].replace("\"", "").equalsIgnoreCase("utf-8");
            }
        }
        if (!json) {
            throw unsupportedMediaType("Content-Type '" + ClientText.echo(contentType, MAX_CONTENT_TYPE)
                    + "' is not supported; send application/json (UTF-8).");
        }
    }

    private static ProblemException unsupportedMediaType(String detail) {
        return new ProblemException(415, "about:blank", "Unsupported Media Type", detail, List.of());
    }

    private static ProblemException malformed(String field, String reason, String where) {
        String detail = "The request body is not valid JSON: " + (field.equals("$") ? "" : field + " ") + reason
                + (where == null ? "." : " (" + where + ").");
        return new ProblemException(400, "/problems/malformed-json", "Malformed JSON", detail,
                List.of(new FieldError(field, reason)));
    }
}
