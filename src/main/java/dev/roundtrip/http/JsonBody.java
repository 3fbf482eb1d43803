package dev.roundtrip.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import java.io.IOException;
import java.util.List;
import java.util.Locale;

/**
 * Reads a request body that must be one JSON object, answering 415 / 413 / 400 for everything else.
 * Fields are checked afterwards by each feature's input class, so errors can name the field.
 */
public final class JsonBody {

    private static final int MAX_DETAIL = 200;
    private final ObjectMapper mapper;

    public JsonBody(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    public ObjectNode readObject(Context ctx) {
        requireJsonContentType(ctx.contentType());
        byte[] bytes = ctx.bodyAsBytes(); // over config.http.maxRequestSize → 413 before anything is parsed
        JsonNode node;
        try {
            node = mapper.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw malformed(e.getOriginalMessage()
                    + " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")");
        } catch (IOException e) { // e.g. bytes that are not valid UTF-8
            throw malformed(e.getMessage());
        }
        if (node == null || node.isMissingNode()) {
            throw malformed("The request body is empty; send a JSON object.");
        }
        if (!node.isObject()) {
            throw ProblemException.invalid("$", "must be a JSON object, got " + node.getNodeType().name().toLowerCase(Locale.ROOT));
        }
        return (ObjectNode) node;
    }

    private static void requireJsonContentType(String contentType) {
        if (contentType == null) {
            throw unsupportedMediaType("The request has no Content-Type; send Content-Type: application/json.");
        }
        String[] parts = contentType.split(";");
        boolean json = parts[0].strip().equalsIgnoreCase("application/json");
        for (int i = 1; i < parts.length && json; i++) {
            String[] parameter = parts[i].strip().split("=", 2);
            if (parameter[0].equalsIgnoreCase("charset")) {
                json = parameter.length == 2 && parameter[1].replace("\"", "").equalsIgnoreCase("utf-8");
            }
        }
        if (!json) {
            throw unsupportedMediaType("Content-Type '" + truncate(contentType)
                    + "' is not supported; send application/json (UTF-8).");
        }
    }

    private static ProblemException unsupportedMediaType(String detail) {
        return new ProblemException(415, "about:blank", "Unsupported Media Type", detail, List.of());
    }

    private static ProblemException malformed(String detail) {
        return new ProblemException(400, "/problems/malformed-json", "Malformed JSON", truncate(detail), List.of());
    }

    private static String truncate(String text) {
        String oneLine = String.valueOf(text).replaceAll("\\p{Cntrl}", " ");
        return oneLine.length() <= MAX_DETAIL ? oneLine : oneLine.substring(0, MAX_DETAIL) + "…";
    }
}
