package dev.roundtrip.http;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the entity-tag lists of If-Match and If-None-Match (RFC 9110 §8.8.3, §13.1.1–2):
 * {@code *}, or a comma-separated list of {@code "opaque"} or {@code W/"opaque"} tags.
 */
public final class EntityTags {

    private static final Pattern TAG = Pattern.compile("\\s*(W/)?\"([^\"]*)\"\\s*(?:,|$)");

    private final boolean any;
    private final List<String> strong;
    private final List<String> all;

    private EntityTags(boolean any, List<String> strong, List<String> all) {
        this.any = any;
        this.strong = strong;
        this.all = all;
    }

    /** Parses a header value; a value that is not a valid list matches nothing. */
    public static EntityTags parse(String header) {
        if (header.strip().equals("*")) {
            return new EntityTags(true, List.of(), List.of());
        }
        List<String> strong = new ArrayList<>();
        List<String> all = new ArrayList<>();
        Matcher m = TAG.matcher(header);
        int end = 0;
        while (end < header.length() && m.find(end) && m.start() == end) {
            String quoted = "\"" + m.group(2) + "\"";
            all.add(quoted);
            if (m.group(1) == null) {
                strong.add(quoted);
            }
            end = m.end();
        }
        return new EntityTags(false, strong, all);
    }

    /** {@code *}: "any current representation". */
    public boolean isAny() {
        return any;
    }

    /** If-Match uses the strong comparison: weak tags never match. */
    public List<String> strongTags() {
        return strong;
    }

    /** If-None-Match uses the weak comparison: {@code W/"x"} matches {@code "x"}. */
    public boolean matchesWeakly(String etag) {
        return any || all.contains(etag);
    }
}
