package dev.roundtrip.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/** The one Jackson configuration, used for request bodies, responses and stored tag lists. */
public final class Json {

    /**
     * What this API ever reads, with room to spare: a note is 2 levels deep and about 30 tokens. Past these the
     * parser stops (StreamConstraintsException, answered 400) before it builds anything large, so a 1 MiB body
     * of 90 000 fields, or nested 200 000 deep, costs as much as one of 1 000 tokens.
     */
    public static final StreamReadConstraints LIMITS = StreamReadConstraints.builder()
            .maxNestingDepth(16)
            .maxTokenCount(1_000)
            .maxNameLength(128)
            .maxNumberLength(32)
            .maxStringLength(1024 * 1024) // the whole body's limit: a long string is the field check's to refuse
            .maxDocumentLength(1024 * 1024)
            .build();

    private Json() {
    }

    public static ObjectMapper mapper() {
        return JsonMapper.builder(JsonFactory.builder().streamReadConstraints(LIMITS).build())
                .addModule(new JavaTimeModule())
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS) // Instants as ISO-8601 text
                .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION) // {"title":"a","title":"b"} is malformed
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS) // {"a":1} garbage is malformed
                .build();
    }
}
