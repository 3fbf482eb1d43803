/**
 * Fuzz tests (Jazzer) for every surface where client bytes enter the app: JSON bodies, ETag lists, query
 * strings, search terms, proxy and edge headers. Each target sends its input through the real app's HTTP
 * port, so it does not depend on how the parsers inside are written.
 *
 * <p>{@code mvn test} replays the kept inputs (regression mode): the files under
 * {@code src/test/resources/dev/roundtrip/fuzz/<Class>Inputs/<method>/} plus the big synthetic cases of
 * {@link dev.roundtrip.fuzz.BigInputsTest}. {@code make fuzz} (scripts/fuzz.sh) fuzzes each target for minutes;
 * {@code make test} does a short run. Jazzer writes a finding as {@code crash-<sha1>} into the target's inputs
 * directory, so it is a regression case from then on: rename it to say what it is and commit it. To replay one
 * in an IDE, run the fuzz test: each input file is one invocation, named after the file.
 *
 * <p>Inputs of the tests whose data is a {@code FuzzedDataProvider}: strings and bytes come from the front of
 * the file, numbers and booleans from its end, so a seed that picks a method ends with that byte.
 */
package dev.roundtrip.fuzz;
