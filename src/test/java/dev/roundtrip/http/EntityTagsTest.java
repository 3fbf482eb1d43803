package dev.roundtrip.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class EntityTagsTest {

    @Test
    void starMeansAnyRepresentation() {
        assertTrue(EntityTags.parse(" * ").isAny());
        assertTrue(EntityTags.parse("*").matchesWeakly("\"1.1\""));
    }

    @Test
    void ifMatchKeepsOnlyStrongTags() {
        assertEquals(List.of("\"1.2\"", "\"1.4\""), EntityTags.parse("\"1.2\", W/\"1.3\",\"1.4\"").strongTags());
    }

    @Test
    void ifNoneMatchComparesWeakly() {
        assertTrue(EntityTags.parse("W/\"1.2\"").matchesWeakly("\"1.2\""));
        assertFalse(EntityTags.parse("\"1.3\"").matchesWeakly("\"1.2\""));
    }

    @Test
    void malformedListMatchesNothing() {
        assertEquals(List.of(), EntityTags.parse("1.2").strongTags());
        assertFalse(EntityTags.parse("garbage \"1.2\"").matchesWeakly("\"1.2\""));
    }
}
