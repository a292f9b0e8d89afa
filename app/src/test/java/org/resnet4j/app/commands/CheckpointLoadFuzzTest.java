package org.resnet4j.app.commands;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Timeout;
import org.resnet4j.app.data.FuzzScratch;
import org.resnet4j.ops.io.SafeTensorsException;

/**
 * Coverage-guided fuzzing (Jazzer) of {@link Checkpoints#load}, what {@code eval}, {@code predict}
 * and {@code --resume}'s model read: a safetensors file whose metadata describes the run
 * ({@code info.*}), the architecture ({@code resnet4j.*}) and maybe the training-checkpoint format,
 * to a built model with the weights in it. Allowed: a loaded model, a {@link SafeTensorsException}
 * naming the file, or an IllegalArgumentException naming the file (damaged run description,
 * architecture record that does not fit, weights that do not fit). Anything else (a
 * NumberFormatException or NullPointerException escaping, OutOfMemoryError from a model built to a
 * size the file cannot hold, a hang) is a finding.
 *
 * <p>Without {@code JAZZER_FUZZ} this replays {@code CheckpointLoadFuzzTestInputs/load/}; with it, it fuzzes.
 */
class CheckpointLoadFuzzTest {
    private static final Path FILE = FuzzScratch.file("last.safetensors");

    @Timeout(10) // per input: a slower one is a hang
    @FuzzTest(maxDuration = FuzzScratch.CI_DURATION)
    void load(byte[] bytes) throws IOException {
        Files.write(FILE, bytes);
        try {
            Checkpoints.Loaded l = Checkpoints.load(FILE, null, null);
            assertThat(l.model()).isNotNull();
        } catch (SafeTensorsException e) {
            assertThat(e.getMessage()).startsWith(FILE.toString());
        } catch (IllegalArgumentException e) {
            assertThat(e).isNotInstanceOf(NumberFormatException.class);
            assertThat(e.getMessage()).contains(FILE.toString());
        }
    }
}
