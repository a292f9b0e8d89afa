package org.resnet4j.app.data;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Coverage-guided fuzzing (Jazzer) of {@link Cifar10Reader}: the input, cut in two at the position
 * its first two bytes name, becomes two batch files read together. Allowed: a data set of
 * consistent size (labels in [0, 10), pixels in [0, 1]), or a {@link DataFileException} naming the
 * file. Anything else (another exception, OutOfMemoryError, a hang) is a finding.
 *
 * <p>Without {@code JAZZER_FUZZ} this replays {@code Cifar10ReadFuzzTestInputs/read/}; with it, it fuzzes.
 */
class Cifar10ReadFuzzTest {
    private static final Path FIRST = FuzzScratch.file("data_batch_1.bin");
    private static final Path SECOND = FIRST.resolveSibling("data_batch_2.bin");

    @FuzzTest(maxDuration = FuzzScratch.CI_DURATION)
    void read(byte[] input) throws IOException {
        if (input.length < 2) return;
        int cut = Math.min(2 + (((input[0] & 0xff) << 8) | (input[1] & 0xff)), input.length);
        Files.write(FIRST, Arrays.copyOfRange(input, 2, cut));
        Files.write(SECOND, Arrays.copyOfRange(input, cut, input.length));
        SECOND.toFile().deleteOnExit();
        Dataset d;
        try {
            d = Cifar10Reader.read(List.of(FIRST, SECOND));
        } catch (DataFileException e) {
            assertThat(e.getMessage().startsWith(FIRST + ": ") || e.getMessage().startsWith(SECOND + ": "))
                    .as("names the file: %s", e.getMessage()).isTrue();
            return;
        }
        assertThat((long) d.images().length).isEqualTo((long) d.size() * 3 * 32 * 32);
        assertThat(d.size() * (long) Cifar10Reader.RECORD).isEqualTo(input.length - 2L);
        for (float v : d.images()) assertThat(v).isBetween(0f, 1f);
    }
}
