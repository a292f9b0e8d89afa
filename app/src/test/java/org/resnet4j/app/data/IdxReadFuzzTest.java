package org.resnet4j.app.data;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Coverage-guided fuzzing (Jazzer) of {@link IdxReader}: the first input byte chooses how the rest
 * is stored (odd: gzip-compressed, so the fuzzer reaches the inflating path with intact streams;
 * even: as is, damaged gzip included), and the file is read as images and as labels. Allowed: a file
 * that reads consistently, or a {@link DataFileException} naming the file. Anything else (another
 * exception, OutOfMemoryError, a hang) is a finding.
 *
 * <p>Without {@code JAZZER_FUZZ} this replays {@code IdxReadFuzzTestInputs/read/}; with it, it fuzzes.
 */
class IdxReadFuzzTest {
    private static final Path FILE = FuzzScratch.file("fuzz-idx-ubyte");

    @FuzzTest(maxDuration = FuzzScratch.CI_DURATION)
    void read(byte[] input) throws IOException {
        if (input.length == 0) return;
        byte[] body = Arrays.copyOfRange(input, 1, input.length);
        Files.write(FILE, (input[0] & 1) == 1 ? TestFiles.gzip(body) : body);
        try {
            IdxReader.IdxFile f = IdxReader.read(FILE);
            long n = 1;
            for (int d : f.dims()) n *= d;
            assertThat(f.data()).hasSize((int) n);
        } catch (DataFileException e) {
            assertThat(e.getMessage()).startsWith(FILE.toString());
            return;
        }
        try {
            int[] shape = new int[3];
            float[] images = IdxReader.readImages(FILE, shape);
            assertThat((long) images.length).isEqualTo((long) shape[0] * shape[1] * shape[2]);
        } catch (DataFileException e) {
            assertThat(e.getMessage()).startsWith(FILE.toString());
        }
        try {
            int[] labels = IdxReader.readLabels(FILE, 10);
            for (int l : labels) assertThat(l).isBetween(0, 9);
        } catch (DataFileException e) {
            assertThat(e.getMessage()).startsWith(FILE.toString());
        }
    }
}
