package org.resnet4j.ops.io;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Coverage-guided fuzzing (Jazzer) of {@link SafeTensors#read}; the input is the whole file. Allowed
 * outcomes: a file that reads and is self-consistent (each tensor's bytes match its dtype and shape,
 * the conversions stay inside them, all of them together no larger than the file), or a
 * {@link SafeTensorsException} naming the file. Anything else (another exception, OutOfMemoryError,
 * StackOverflowError, a hang) is a finding.
 *
 * <p>Without {@code JAZZER_FUZZ} this replays the seeds and past findings in
 * {@code SafeTensorsReadFuzzTestInputs/read/} as a regression test; with it, it fuzzes (see ops/README).
 */
class SafeTensorsReadFuzzTest {
    private static final Path FILE = FuzzScratch.file(".safetensors");

    @FuzzTest(maxDuration = FuzzScratch.CI_DURATION)
    void read(byte[] bytes) throws IOException {
        Files.write(FILE, bytes);
        SafeTensors.Contents c;
        try {
            c = SafeTensors.read(FILE);
        } catch (SafeTensorsException e) {
            assertThat(e.getMessage()).startsWith(FILE.toString());
            return;
        }
        long total = 0;
        for (StoredTensor t : c.tensors().values()) {
            assertThat((long) t.data().length).isEqualTo(t.numel() * t.dtype().bytes());
            assertThat(t.toDoubles()).hasSize((int) t.numel());
            total += t.data().length;
        }
        assertThat(total).isLessThanOrEqualTo(bytes.length);
    }
}
