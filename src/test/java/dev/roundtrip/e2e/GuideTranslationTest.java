package dev.roundtrip.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docs/ko/guide.md is the Korean twin of docs/guide.md and must not drift from it: the same sections in the
 * same order (numbered ones by their number), and the same command blocks, byte for byte, in the same
 * sections. GuideIT runs the English blocks, so this also keeps every Korean command a tested one.
 */
class GuideTranslationTest {

    private static final Path ENGLISH = EdgeStack.PROJECT.resolve("docs/guide.md");
    private static final Path KOREAN = EdgeStack.PROJECT.resolve("docs/ko/guide.md");
    private static final Pattern HEADING = Pattern.compile("(?m)^## (?:([0-9]+)\\. )?.+$");

    @Test
    void bothGuidesHaveTheSameSectionsInTheSameOrder() throws IOException {
        List<String> english = sections(read(ENGLISH));
        List<String> korean = sections(read(KOREAN));
        assertEquals(english, korean, "section numbers in order (· = an unnumbered section)");
        assertTrue(english.stream().filter(s -> !s.equals("·")).count() >= 12, "the twelve questions: " + english);
    }

    @Test
    void everyCommandBlockOfOneGuideIsInTheOtherInTheSameSection() throws IOException {
        List<GuideIT.Block> english = GuideIT.blocks(ENGLISH);
        List<GuideIT.Block> korean = GuideIT.blocks(KOREAN);
        assertEquals(english.size(), korean.size(), "the number of ```sh blocks");
        for (int i = 0; i < english.size(); i++) {
            GuideIT.Block en = english.get(i);
            GuideIT.Block ko = korean.get(i);
            assertEquals(en.section(), ko.section(), "block " + (i + 1) + " (guide.md line " + en.line() + ") is in §"
                    + en.section() + " in English and §" + ko.section() + " in Korean (ko/guide.md line " + ko.line() + ")");
            assertEquals(en.script(), ko.script(), "block " + (i + 1) + ": guide.md line " + en.line()
                    + " and ko/guide.md line " + ko.line() + " differ: copy the English block unchanged");
        }
    }

    @Test
    void koreanGuideLinksToTheEnglishOne() throws IOException {
        assertTrue(read(KOREAN).contains("](../guide.md)"), "a link back to the English original");
        assertTrue(read(ENGLISH).contains("](ko/guide.md)"), "a link to the Korean translation");
    }

    /** "3" for "## 3. …", "·" for an unnumbered "## …" heading. */
    private static List<String> sections(String markdown) {
        List<String> sections = new ArrayList<>();
        Matcher m = HEADING.matcher(markdown.replaceAll("(?s)```.*?```", "")); // a "## " inside a code block is no heading
        while (m.find()) {
            sections.add(m.group(1) == null ? "·" : m.group(1));
        }
        return sections;
    }

    private static String read(Path file) throws IOException {
        return Files.readString(file, StandardCharsets.UTF_8);
    }
}
