package dev.roundtrip.contract;

import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.dialect.OpenApi31;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Checks one HTTP exchange against openapi.yaml: the path and method are documented, the status is one
 * the operation lists, its required headers are present and match their patterns, and the body matches
 * the response schema (JSON Schema 2020-12, OpenAPI 3.1 dialect). Returns what is wrong, empty when the
 * response keeps the contract.
 */
public final class ContractValidator {

    public static final ContractValidator PROJECT = new ContractValidator(Path.of("openapi.yaml").toAbsolutePath());

    /** URI or headers too long: Nginx or Jetty answer these before any route is looked at. */
    private static final java.util.Set<Integer> BEFORE_ROUTING = java.util.Set.of(414, 431);

    private final JsonNode spec;
    private final String documentUri;
    private final SchemaRegistry schemas;

    public ContractValidator(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        this.spec = new YAMLMapper().readTree(text);
        this.documentUri = "https://roundtrip.invalid/openapi.yaml"; // an id, never fetched: the text is given
        this.schemas = SchemaRegistry.withDialect(OpenApi31.getInstance(), b -> b.schemas(Map.of(documentUri, text)));
    }

    /** Problems with this response; {@code path} without the query string. */
    public List<String> validate(String method, String path, int status, Map<String, List<String>> headers, String body) {
        List<String> problems = new ArrayList<>();
        String template = findTemplate(path);
        String pointer;
        if (BEFORE_ROUTING.contains(status)) { // refused while reading the request, whatever the route
            pointer = "/components/responses/BadRequest";
        } else if (template == null || spec.path("paths").path(template).path(method.toLowerCase(Locale.ROOT)).isMissingNode()) {
            // Unknown routes and methods are answered by the app, Nginx or Jetty: always a problem document.
            if (status < 400) {
                problems.add(method + " " + path + " → " + status + ": not a documented operation");
                return problems;
            }
            pointer = "/components/responses/" + (status == 405 ? "MethodNotAllowed" : "NotFound");
        } else {
            pointer = "/paths/" + escape(template) + "/" + method.toLowerCase(Locale.ROOT) + "/responses/" + status;
            if (node(pointer).isMissingNode()) {
                problems.add(method + " " + template + " does not document status " + status);
                return problems;
            }
        }
        pointer = followRef(pointer);
        checkHeaders(pointer, headers, problems);
        checkBody(pointer, header(headers, "Content-Type"), body, problems);
        return problems;
    }

    private void checkHeaders(String response, Map<String, List<String>> headers, List<String> problems) {
        for (Iterator<Map.Entry<String, JsonNode>> it = node(response + "/headers").properties().iterator(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            JsonNode definition = entry.getValue().has("$ref") ? node(ref(entry.getValue())) : entry.getValue();
            String value = header(headers, entry.getKey());
            if (value == null) {
                if (definition.path("required").asBoolean(false)) {
                    problems.add("missing required header " + entry.getKey());
                }
                continue;
            }
            String pattern = definition.path("schema").path("pattern").asString(null);
            if (pattern != null && !Pattern.compile(pattern).matcher(value).find()) {
                problems.add("header " + entry.getKey() + ": '" + value + "' does not match " + pattern);
            }
        }
    }

    private void checkBody(String response, String contentType, String body, List<String> problems) {
        JsonNode content = node(response + "/content");
        if (content.isMissingNode()) {
            if (body != null && !body.isEmpty()) {
                problems.add("a body where the contract has none: " + abbreviate(body));
            }
            return;
        }
        String mediaType = contentType == null ? "(none)" : contentType.split(";")[0].strip();
        if (!content.has(mediaType)) {
            problems.add("Content-Type " + mediaType + " is not one of " + content.propertyNames());
            return;
        }
        if (body == null) {
            return; // the test discarded the body; status, headers and type were still checked
        }
        String schemaPointer = response + "/content/" + escape(mediaType) + "/schema";
        List<Error> errors = schemas.getSchema(SchemaLocation.of(documentUri + "#" + schemaPointer))
                .validate(body, InputFormat.JSON);
        for (Error error : errors) {
            problems.add("body " + error.getInstanceLocation() + ": " + error.getMessage() + " in " + abbreviate(body));
        }
    }

    private String findTemplate(String path) {
        for (String template : spec.path("paths").propertyNames()) {
            if (Pattern.matches(template.replaceAll("\\{[^/]+}", "[^/]+"), path)) {
                return template;
            }
        }
        return null;
    }

    /** A response given as {@code $ref: '#/components/responses/X'} is checked where it is defined. */
    private String followRef(String pointer) {
        JsonNode node = node(pointer);
        return node.has("$ref") ? ref(node) : pointer;
    }

    private static String ref(JsonNode node) {
        return node.get("$ref").asString().substring(1);
    }

    private JsonNode node(String pointer) {
        return spec.at(pointer);
    }

    private static String escape(String segment) {
        return segment.replace("~", "~0").replace("/", "~1");
    }

    private static String header(Map<String, List<String>> headers, String name) {
        for (Map.Entry<String, List<String>> entry : headers.entrySet()) {
            if (entry.getKey().equalsIgnoreCase(name) && !entry.getValue().isEmpty()) {
                return entry.getValue().get(0);
            }
        }
        return null;
    }

    private static String abbreviate(String body) {
        return body.length() <= 300 ? body : body.substring(0, 300) + "…";
    }
}
