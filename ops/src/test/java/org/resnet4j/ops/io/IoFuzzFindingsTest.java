package org.resnet4j.ops.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What fuzzing found in this package, each case pinned with its clear error (the crashing inputs
 * also stay in the targets' Inputs folders, which the fuzz targets replay).
 */
class IoFuzzFindingsTest {
    @TempDir
    Path dir;

    private static byte[] finding(String target, String name) throws IOException {
        try (InputStream in = IoFuzzFindingsTest.class.getResourceAsStream(target + "Inputs/" + name)) {
            assertThat(in).as("committed finding " + name).isNotNull();
            return in.readAllBytes();
        }
    }

    /** JsonParseFuzzTest: quote() wrote an escaped lone surrogate (here U+DDDD) that parse() refuses to read back. */
    @Test
    void quoteRefusesALoneSurrogateInsteadOfWritingWhatCannotBeRead() throws IOException {
        byte[] bytes = finding("JsonParseFuzzTest", "parse/lone_low_surrogate");
        char[] units = new char[bytes.length / 2];
        for (int i = 0; i < units.length; i++) units[i] = (char) ((bytes[2 * i] & 0xff) << 8 | (bytes[2 * i + 1] & 0xff));
        String s = new String(units);
        assertThatThrownBy(() -> Json.quote(new StringBuilder(), s))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lone surrogate (\\udddd) at index " + s.indexOf('\udddd'))
                .hasMessageContaining("give a valid Unicode string");
        // a pair stays allowed and reads back
        StringBuilder pair = new StringBuilder();
        Json.quote(pair, "a\ud83d\ude00");
        assertThat(pair.toString()).isEqualTo("\"a\\ud83d\\ude00\"");
    }

    /** The same finding through the writer: a name that could not be read back is refused before anything is written. */
    @Test
    void safeTensorsRefusesToSaveANameItCouldNotReadBack() {
        Path f = dir.resolve("w.safetensors");
        Map<String, StoredTensor> t = new LinkedHashMap<>();
        t.put("fc\ud800.weight", StoredTensor.ofFloats(new float[] {1}, 1));
        assertThatThrownBy(() -> SafeTensors.write(f, t))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("cannot save tensor name: the string \"fc\\ud800.weight\" has a lone surrogate");
        assertThatThrownBy(() -> SafeTensors.write(f, Map.of(), Map.of("note", "x\udc00")))
                .hasMessageStartingWith("cannot save the metadata value of 'note': ");
        assertThat(Files.exists(f)).isFalse();
        assertThat(dir.toFile().list()).isEmpty();
    }
}
