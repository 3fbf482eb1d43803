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
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each Korean document with commands is the twin of an English one and must not drift from it: docs/ko/guide.md
 * of docs/guide.md, docs/ko/hostile-clients.md of docs/hostile-clients.md. The same sections in the same order
 * (numbered ones by their number), and the same command blocks, byte for byte, in the same sections. GuideIT
 * runs the English blocks, so this also keeps every Korean command a tested one.
 */
class GuideTranslationTest {

    private static final Pattern HEADING = Pattern.compile("(?m)^## (?:([0-9]+)\\. )?.+$");

    /** An English document, its Korean twin, and how many numbered sections it has at least. */
    record Twins(String english, String korean, int numberedSections) {
        Path englishPath() {
            return EdgeStack.PROJECT.resolve("docs").resolve(english);
        }

        Path koreanPath() {
            return EdgeStack.PROJECT.resolve("docs/ko").resolve(korean);
        }

        @Override
        public String toString() {
            return english + " / ko/" + korean;
        }
    }

    static Stream<Twins> twins() {
        return Stream.of(new Twins("guide.md", "guide.md", 12), new Twins("hostile-clients.md", "hostile-clients.md", 10));
    }

    @ParameterizedTest
    @MethodSource("twins")
    void bothLanguagesHaveTheSameSectionsInTheSameOrder(Twins twins) throws IOException {
        List<String> english = sections(read(twins.englishPath()));
        List<String> korean = sections(read(twins.koreanPath()));
        assertEquals(english, korean, "section numbers in order (· = an unnumbered section)");
        assertTrue(english.stream().filter(s -> !s.equals("·")).count() >= twins.numberedSections(),
                "at least " + twins.numberedSections() + " numbered sections: " + english);
    }

    @ParameterizedTest
    @MethodSource("twins")
    void everyCommandBlockOfOneLanguageIsInTheOtherInTheSameSection(Twins twins) throws IOException {
        List<GuideIT.Block> english = GuideIT.blocks(twins.englishPath());
        List<GuideIT.Block> korean = GuideIT.blocks(twins.koreanPath());
        assertEquals(english.size(), korean.size(), "the number of ```sh blocks");
        for (int i = 0; i < english.size(); i++) {
            GuideIT.Block en = english.get(i);
            GuideIT.Block ko = korean.get(i);
            assertEquals(en.section(), ko.section(), "block " + (i + 1) + " (" + twins.english() + " line " + en.line()
                    + ") is in §" + en.section() + " in English and §" + ko.section() + " in Korean (line " + ko.line() + ")");
            assertEquals(en.script(), ko.script(), "block " + (i + 1) + ": " + twins.english() + " line " + en.line()
                    + " and ko/" + twins.korean() + " line " + ko.line() + " differ: copy the English block unchanged");
        }
    }

    @ParameterizedTest
    @MethodSource("twins")
    void eachLanguageLinksToTheOther(Twins twins) throws IOException {
        assertTrue(read(twins.koreanPath()).contains("](../" + twins.english() + ")"), "a link back to the English original");
        assertTrue(read(twins.englishPath()).contains("](ko/" + twins.korean() + ")"), "a link to the Korean translation");
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
