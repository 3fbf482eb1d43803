package dev.roundtrip.http;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The parser stops at Json.LIMITS before it builds anything large: a request costs about its own size. */
class JsonLimitsTest {

    private final ObjectMapper mapper = Json.mapper();

    @Test
    void aMebibyteOfShortFieldsStopsAfterAThousandTokensAllocatingLessThanItsOwnSize() throws Exception {
        byte[] body = shortFields(1_000_000);
        mapper.readTree("{\"warm\":[1,2,3]}"); // class loading and the symbol table are not the request's cost
        long before = allocatedBytes();
        assertThrows(StreamConstraintsException.class, () -> mapper.readTree(body));
        long allocated = allocatedBytes() - before;
        assertTrue(allocated < body.length, "parsing a " + body.length + "-byte body allocated " + allocated + " bytes");
    }

    @Test
    void everyLimitFiresAsAStreamConstraint() {
        String[] tooMuch = {"[".repeat(17) + "]".repeat(17), "{\"" + "n".repeat(129) + "\":1}", "[" + "9".repeat(33) + "]",
            new String(shortFields(20_000), StandardCharsets.UTF_8)};
        for (String json : tooMuch) {
            assertThrows(StreamConstraintsException.class, () -> mapper.readTree(json), json.substring(0, 30));
        }
    }

    @Test
    void aNoteAtItsLargestIsWellInsideTheLimits() throws Exception {
        String note = "{\"title\":\"" + "t".repeat(200) + "\",\"body\":\"" + "\\u00e9".repeat(100_000)
                + "\",\"tags\":[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\",\"j\"]}";
        assertTrue(mapper.readTree(note).get("body").textValue().length() == 100_000);
    }

    /** {"a0":0,"a1":0,…} up to about {@code size} bytes: the shortest fields, so the most of them. */
    private static byte[] shortFields(int size) {
        StringBuilder json = new StringBuilder("{");
        for (int i = 0; json.length() < size - 20; i++) {
            json.append(i == 0 ? "" : ",").append("\"a").append(i).append("\":0");
        }
        return json.append('}').toString().getBytes(StandardCharsets.UTF_8);
    }

    private static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }
}
