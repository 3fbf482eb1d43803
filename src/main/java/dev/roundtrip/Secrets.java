package dev.roundtrip;

import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Keeps the database password out of everything the app prints. Two layers: {@link #maskUrl} for the URLs
 * Roundtrip itself shows (config errors, the startup line, the database's location), and
 * {@link #maskStandardStreams}, which replaces the password's text in every line written to stdout and stderr
 * (logback, java.util.logging, stack traces), so that a library's message that quotes it is caught too.
 */
public final class Secrets {

    /** A password=, sslpassword=… parameter's value, up to the next parameter. */
    private static final Pattern PASSWORD_PARAMETER = Pattern.compile("(?i)((?:^|[?&;])[a-z]*password=)([^&;#\\s]*)");
    /** The password of scheme://user:password@host (the last @ before the path ends it). */
    private static final Pattern USERINFO_PASSWORD = Pattern.compile("(//[^/?#:@\\s]*:)([^/?#\\s]*)@");
    /** Shorter values are not hunted in the output: "****" for every "ab" would garble the logs, hiding little. */
    static final int SHORTEST_MASKED = 4;
    private static final String MASK = "****";

    private Secrets() {
    }

    /** {@code url} as it may be shown: every password in it replaced by ****. */
    public static String maskUrl(String url) {
        String masked = PASSWORD_PARAMETER.matcher(url).replaceAll("$1" + MASK);
        return USERINFO_PASSWORD.matcher(masked).replaceAll("$1" + MASK + "@");
    }

    /** The passwords in the environment: DATABASE_PASSWORD (or its _FILE), and any in DATABASE_URL (as written and decoded). */
    static Set<String> fromEnv(Map<String, String> env) {
        Set<String> secrets = new LinkedHashSet<>();
        try {
            String password = Config.password(env); // DATABASE_PASSWORD or DATABASE_PASSWORD_FILE
            if (password != null) {
                secrets.add(password.strip());
            }
        } catch (Config.ConfigException unreadable) {
            // Config reports it, with nothing secret in the message
        }
        String url = env.getOrDefault("DATABASE_URL", "");
        for (Pattern pattern : List.of(PASSWORD_PARAMETER, USERINFO_PASSWORD)) {
            Matcher m = pattern.matcher(url);
            while (m.find()) {
                secrets.add(m.group(2));
                secrets.add(URLDecoder.decode(m.group(2).replace("+", "%2B"), StandardCharsets.UTF_8));
            }
        }
        secrets.removeIf(s -> s.length() < SHORTEST_MASKED);
        return secrets;
    }

    /** From now on, {@code secrets} never reach System.out or System.err as they are (each line is masked). */
    static void maskStandardStreams(Set<String> secrets) {
        if (secrets.isEmpty()) {
            return;
        }
        System.setOut(masking(System.out, secrets));
        System.setErr(masking(System.err, secrets));
    }

    static PrintStream masking(OutputStream out, Set<String> secrets) {
        return new PrintStream(new MaskingStream(out, secrets), true, StandardCharsets.UTF_8);
    }

    /** Holds bytes until the end of a line (a secret may come in two writes), then writes the line masked. */
    private static final class MaskingStream extends FilterOutputStream {
        private final List<byte[]> secrets = new ArrayList<>();
        private static final int MAX_PENDING = 64 * 1024;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream(256);

        MaskingStream(OutputStream out, Set<String> secrets) {
            super(out);
            secrets.forEach(s -> this.secrets.add(s.getBytes(StandardCharsets.UTF_8)));
        }

        @Override
        public synchronized void write(int b) throws IOException {
            line.write(b);
            if (b == '\n' || line.size() > MAX_PENDING) {
                writeLine();
            }
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) throws IOException {
            int start = off;
            for (int i = off; i < off + len; i++) {
                if (b[i] == '\n') {
                    line.write(b, start, i + 1 - start);
                    writeLine();
                    start = i + 1;
                }
            }
            line.write(b, start, off + len - start);
            if (line.size() > MAX_PENDING) {
                writeLine();
            }
        }

        /** A partial line stays until its end (every log line ends with one), unless it grows past 64 KiB. */
        @Override
        public synchronized void flush() throws IOException {
            if (line.size() > MAX_PENDING) {
                writeLine();
            }
            out.flush();
        }

        @Override
        public synchronized void close() throws IOException {
            writeLine();
            super.close();
        }

        private void writeLine() throws IOException {
            byte[] bytes = line.toByteArray();
            line.reset();
            for (byte[] secret : secrets) {
                bytes = replace(bytes, secret);
            }
            out.write(bytes);
        }

        private static byte[] replace(byte[] text, byte[] secret) {
            ByteArrayOutputStream result = null;
            int copied = 0;
            for (int i = 0; i + secret.length <= text.length; i++) {
                if (text[i] == secret[0] && Arrays.equals(text, i, i + secret.length, secret, 0, secret.length)) {
                    if (result == null) {
                        result = new ByteArrayOutputStream(text.length);
                    }
                    result.write(text, copied, i - copied);
                    result.writeBytes(MASK.getBytes(StandardCharsets.US_ASCII));
                    i += secret.length - 1;
                    copied = i + 1;
                }
            }
            if (result == null) {
                return text;
            }
            result.write(text, copied, text.length - copied);
            return result.toByteArray();
        }
    }
}
