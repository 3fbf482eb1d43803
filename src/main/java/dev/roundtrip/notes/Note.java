package dev.roundtrip.notes;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.time.Instant;
import java.util.List;

/** A stored note, exactly as the API returns it; {@code owner} is the username of the one who may change it. */
public record Note(long id, String title, String body, List<String> tags, String owner, Instant createdAt,
                   Instant updatedAt, long version) {

    /** Strong ETag naming this note at this version; it changes with every update. */
    @JsonIgnore
    public String etag() {
        return etag(id, version);
    }

    static String etag(long id, long version) {
        return "\"" + id + "." + version + "\"";
    }

    @JsonIgnore
    public String location() {
        return "/api/notes/" + id;
    }
}
