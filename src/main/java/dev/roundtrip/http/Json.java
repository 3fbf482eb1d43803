package dev.roundtrip.http;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/** The one Jackson configuration, used for request bodies, responses and stored tag lists. */
public final class Json {

    private Json() {
    }

    public static ObjectMapper mapper() {
        return JsonMapper.builder()
                .addModule(new JavaTimeModule())
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS) // Instants as ISO-8601 text
                .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION) // {"title":"a","title":"b"} is malformed
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS) // {"a":1} garbage is malformed
                .build();
    }
}
