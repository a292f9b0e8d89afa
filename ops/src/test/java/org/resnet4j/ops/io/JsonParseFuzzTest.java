package org.resnet4j.ops.io;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;

/**
 * Coverage-guided fuzzing (Jazzer) of the safetensors header parser {@link Json}: any text either
 * parses or fails with a {@link Json.ParseException} that gives the offset; never another exception,
 * never a StackOverflowError (nesting is capped) and never a hang. And what {@link Json#quote} writes
 * of any string parses back to that string, so every name and metadata value we save reads back.
 *
 * <p>Without {@code JAZZER_FUZZ} this replays {@code JsonParseFuzzTestInputs/parse/}; with it, it fuzzes.
 */
class JsonParseFuzzTest {
    @FuzzTest(maxDuration = FuzzScratch.CI_DURATION)
    void parse(byte[] bytes) {
        String text = new String(bytes, StandardCharsets.UTF_8);
        try {
            Json.parse(text);
        } catch (Json.ParseException e) {
            assertThat(e.getMessage()).contains(" at character ");
        }
        roundTrip(text);
        // the same bytes read as UTF-16 code units: any Java string, lone surrogates included
        char[] units = new char[bytes.length / 2];
        for (int i = 0; i < units.length; i++) units[i] = (char) ((bytes[2 * i] & 0xff) << 8 | (bytes[2 * i + 1] & 0xff));
        roundTrip(new String(units));
    }

    /** quote() writes what parse() reads back as the same string, or refuses a string JSON cannot carry. */
    private static void roundTrip(String s) {
        StringBuilder quoted = new StringBuilder();
        try {
            Json.quote(quoted, s);
        } catch (IllegalArgumentException e) {
            assertThat(e.getMessage()).contains("lone surrogate");
            return;
        }
        try {
            assertThat(Json.parse(quoted.toString())).isEqualTo(s);
        } catch (Json.ParseException e) {
            throw new AssertionError("quote() wrote " + quoted + ", which does not parse: " + e.getMessage(), e);
        }
    }
}
