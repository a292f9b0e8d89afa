package org.resnet4j.app.commands;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What fuzzing {@link Checkpoints#load} found, and the neighbouring cases fixed with it, each pinned
 * with its clear error. The inputs are {@link CheckpointLoadFuzzTest}'s (metadata and tensor lines),
 * committed in its Inputs folder, so the fuzz target replays them too.
 */
class CheckpointFuzzFindingsTest {
    @TempDir
    Path dir;

    private Path checkpoint(String input) throws IOException {
        try (InputStream in = getClass().getResourceAsStream("CheckpointLoadFuzzTestInputs/load/" + input)) {
            assertThat(in).as("committed input " + input).isNotNull();
            Path f = dir.resolve("last.safetensors");
            Files.write(f, CheckpointLoadFuzzTest.safetensors(in.readAllBytes()));
            return f;
        }
    }

    /** Found by fuzzing: the zoo's refusal of an option the file records escaped without naming the file. */
    @Test
    void aRecordedOptionTheModelDoesNotTakeNamesTheFile() throws IOException {
        Path f = checkpoint("record_option_the_model_does_not_take");
        assertThatThrownBy(() -> Checkpoints.load(f, null, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(f + ": model resnet20 cannot be built as its metadata describes it (")
                .hasMessageContaining("does not support the option(s) widthPerGroup")
                .hasMessageContaining("the architecture record (resnet4j.*) or run description (info.*) is damaged");
    }

    /** The same path with options the model takes but cannot be built with: a NullPointerException (no command line to blame) before. */
    @Test
    void aRecordTheModelCannotBeBuiltWithNamesTheFileNotTheCommandLine() throws IOException {
        Path f = checkpoint("groups_on_basic_blocks");
        assertThatThrownBy(() -> Checkpoints.load(f, null, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(f + ": model resnet18 cannot be built as its metadata describes it (")
                .hasMessageContaining("BasicBlock only supports groups=1");
    }

    /** A damaged class count must not size the head: 64 x 2e9 weights overflowed an array size before the load could refuse. */
    @Test
    void aClassCountTheFileCannotHoldIsRefusedBeforeBuilding() throws IOException {
        Path f = checkpoint("two_billion_classes");
        assertThatThrownBy(() -> Checkpoints.load(f, null, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(f + " holds 271117 values, but resnet20 with 2000000000 classes has at least 2000000000 weights")
                .hasMessageContaining("damaged run description info.*");
    }

    /** A damaged width must not size the convolutions (here 9e10 weights in one layer). */
    @Test
    void aWidthTheFileCannotHoldIsRefusedBeforeBuilding() throws IOException {
        Path f = checkpoint("huge_width_per_group");
        assertThatThrownBy(() -> Checkpoints.load(f, null, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(f + " holds 10 values, but resnet50 with groups=1 and width_per_group=100000 has 90000000000")
                .hasMessageContaining("give the model and options it was trained with");
    }

    /** The seed every bound must let through: a whole resnet20 state dict with its run description loads. */
    @Test
    void aCompleteCheckpointStillLoads() throws IOException {
        Checkpoints.Loaded l = Checkpoints.load(checkpoint("resnet20_complete"), null, null);
        assertThat(l.info().model()).isEqualTo("resnet20");
        assertThat(l.model().parameters()).hasSize(19 + 2 * 19 + 2); // 19 convolutions, 19 batch norms, fc
    }
}
