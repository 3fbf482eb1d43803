package dev.roundtrip.http;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads the entity-tag lists of If-Match and If-None-Match (RFC 9110 §8.8.3, §13.1.1–2): {@code *}, or a
 * comma-separated list of {@code "opaque"} or {@code W/"opaque"} tags, where empty list elements and
 * optional whitespace around commas are allowed (§5.6.1). One pass over the value, no pattern: the cost is
 * linear in the header's length whatever a client puts in it.
 *
 * <p>A value that is not such a list, or that names more than {@link #MAX_TAGS} tags, is answered with a 400
 * problem naming the header: silently matching nothing would turn a client's typo into a confusing 412
 * (If-Match) or a full 200 (If-None-Match).
 */
public final class EntityTags {

    /** Far more than any client sends (one per cached copy); bounds the work each comparison does. */
    public static final int MAX_TAGS = 64;
    private static final EntityTags ANY = new EntityTags(true, List.of(), List.of());

    private final boolean any;
    private final List<String> strong;
    private final List<String> all;

    private EntityTags(boolean any, List<String> strong, List<String> all) {
        this.any = any;
        this.strong = strong;
        this.all = all;
    }

    /** Parses the value of {@code header} (its name goes into the problem); throws a 400 problem if malformed. */
    public static EntityTags parse(String header, String value) {
        int end = value.length();
        int i = skipWhitespace(value, 0);
        if (i < end && value.charAt(i) == '*') {
            if (skipWhitespace(value, i + 1) != end) {
                throw malformed(header, "must be * alone or a list of entity-tags, not both");
            }
            return ANY;
        }
        List<String> strong = new ArrayList<>();
        List<String> all = new ArrayList<>();
        boolean afterTag = false;
        for (; i < end; i = skipWhitespace(value, i)) {
            if (value.charAt(i) == ',') { // empty list elements are allowed: "a", , "b"
                i++;
                afterTag = false;
                continue;
            }
            if (afterTag) {
                throw malformed(header, "must separate entity-tags with commas");
            }
            boolean weak = value.startsWith("W/", i);
            int open = weak ? i + 2 : i;
            int close = closingQuote(value, open);
            if (close < 0) {
                throw malformed(header, "must be * or a list of entity-tags such as \"1.2\" or W/\"1.2\"");
            }
            if (all.size() == MAX_TAGS) {
                throw malformed(header, "must name at most " + MAX_TAGS + " entity-tags");
            }
            String opaque = value.substring(open, close + 1);
            all.add(opaque);
            if (!weak) {
                strong.add(opaque);
            }
            i = close + 1;
            afterTag = true;
        }
        if (all.isEmpty()) {
            throw malformed(header, "must be * or name at least one entity-tag");
        }
        return new EntityTags(false, List.copyOf(strong), List.copyOf(all));
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
        return any || all.contains(etag); // opaque-tags compare octet by octet: "1.02" is not "1.2"
    }

    /** The index of the quote that closes an opaque-tag opening at {@code open}, or -1 if there is none. */
    private static int closingQuote(String value, int open) {
        if (open >= value.length() || value.charAt(open) != '"') {
            return -1;
        }
        for (int i = open + 1; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"') {
                return i;
            }
            if (c < 0x21 || c == 0x7f) { // etagc = %x21 / %x23-7E / obs-text: no spaces or controls inside
                return -1;
            }
        }
        return -1;
    }

    /** OWS = *( SP / HTAB ). */
    private static int skipWhitespace(String value, int i) {
        while (i < value.length() && (value.charAt(i) == ' ' || value.charAt(i) == '\t')) {
            i++;
        }
        return i;
    }

    private static ProblemException malformed(String header, String reason) {
        return ProblemException.invalid(header, reason);
    }
}
