package dev.roundtrip.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class ClientTextTest {

    @Test
    void shortPrintableTextIsEchoedAsItIs() {
        assertEquals("title", ClientText.echo("title", 64));
        assertEquals("요청 😀", ClientText.echo("요청 😀", 64));
        assertNull(ClientText.echo(null, 64));
    }

    @Test
    void longTextIsCutFirstWithoutSplittingAPair() {
        assertEquals("abc…", ClientText.echo("abcdef", 3));
        assertEquals("ab…", ClientText.echo("ab😀", 3), "the pair would be cut in two: it is left out");
        assertEquals(65, ClientText.echo("x".repeat(1_000_000), 64).length());
    }

    @Test
    void controlCharactersAreEscapedAndLoneSurrogatesReplaced() {
        assertEquals("a\\u0000b\\u000a\\u001b[31m\\u007f\\u0085", ClientText.echo("a\u0000b\n\u001b[31m\u007f\u0085", 64));
        assertEquals("a\uFFFDb\uFFFD", ClientText.echo("a\uD800b\uDC00", 64));
    }
}
