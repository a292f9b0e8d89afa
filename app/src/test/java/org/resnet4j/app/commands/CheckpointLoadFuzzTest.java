package org.resnet4j.app.commands;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.resnet4j.app.data.FuzzScratch;
import org.resnet4j.ops.io.SafeTensors;
import org.resnet4j.ops.io.SafeTensorsException;
import org.resnet4j.ops.io.StoredDType;
import org.resnet4j.ops.io.StoredTensor;

/**
 * Coverage-guided fuzzing (Jazzer) of {@link Checkpoints#load}, what {@code eval} and {@code predict}
 * read: a checkpoint's metadata (the run description {@code info.*}, the architecture record
 * {@code resnet4j.*}, the training-checkpoint {@code format}) and tensors to a built model with the
 * weights in it. The safetensors bytes themselves are {@code SafeTensorsReadFuzzTest}'s job; here the
 * input is a text the fuzzer mutates well, one {@code key=value} metadata line or one
 * {@code @name DTYPE d0,d1,...} tensor line (zero-filled) each, written as a well-formed file, so a
 * seed can list a whole model's state dict in a few kilobytes.
 *
 * <p>Allowed: a loaded model, a {@link SafeTensorsException} naming the file, or an
 * IllegalArgumentException naming the file (a damaged run description, an architecture record that
 * does not fit or cannot be built, weights that do not fit). Anything else (a NumberFormatException or
 * NullPointerException escaping, OutOfMemoryError from a model built larger than the file can hold, a
 * hang) is a finding.
 *
 * <p>Without {@code JAZZER_FUZZ} this replays {@code CheckpointLoadFuzzTestInputs/load/}; with it, it fuzzes.
 */
class CheckpointLoadFuzzTest {
    private static final Path FILE = FuzzScratch.file("last.safetensors");
    /** Tensor lines asking for more than this (zero-filled) are dropped: they would only test the heap. */
    private static final long MAX_DATA_BYTES = 1 << 23;

    @FuzzTest(maxDuration = FuzzScratch.CI_DURATION)
    void load(byte[] input) throws IOException {
        byte[] file = safetensors(input);
        if (file == null) return; // a name the writer refuses (empty, lone surrogate): not a file the loader can meet
        Files.write(FILE, file);
        try {
            Checkpoints.Loaded l = Checkpoints.load(FILE, null, null);
            assertThat(l.model().parameters()).isNotEmpty();
        } catch (SafeTensorsException e) {
            assertThat(e.getMessage()).startsWith(FILE.toString());
        } catch (IllegalArgumentException e) {
            assertThat(e).isNotInstanceOf(NumberFormatException.class);
            assertThat(e.getMessage()).contains(FILE.toString());
        }
    }

    /** The safetensors file an input describes; null when the writer refuses a name in it. */
    static byte[] safetensors(byte[] input) throws IOException {
        Map<String, String> metadata = new LinkedHashMap<>();
        Map<String, StoredTensor> tensors = new LinkedHashMap<>();
        long bytes = 0;
        for (String line : new String(input, StandardCharsets.UTF_8).split("\n")) {
            if (line.startsWith("@")) {
                StoredTensor t = tensor(line, MAX_DATA_BYTES - bytes);
                if (t != null) {
                    tensors.put(line.substring(1, line.indexOf(' ')), t);
                    bytes += t.data().length;
                }
            } else if (line.indexOf('=') > 0) {
                metadata.put(line.substring(0, line.indexOf('=')), line.substring(line.indexOf('=') + 1));
            }
        }
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        try {
            SafeTensors.writeTo(file, tensors, metadata);
        } catch (IllegalArgumentException unwritable) {
            return null;
        }
        return file.toByteArray();
    }

    /** {@code @name DTYPE d0,d1,...} as a zero-filled tensor; null when the line is malformed or too large. */
    private static StoredTensor tensor(String line, long budget) {
        String[] p = line.substring(1).split(" ", -1);
        if (p.length != 3 || p[0].isEmpty()) return null;
        StoredDType dtype;
        try {
            dtype = StoredDType.valueOf(p[1]);
        } catch (IllegalArgumentException unknown) {
            return null;
        }
        String[] d = p[2].isEmpty() ? new String[0] : p[2].split(",");
        int[] shape = new int[d.length];
        long n = 1;
        for (int i = 0; i < d.length; i++) {
            try {
                shape[i] = Integer.parseInt(d[i]);
            } catch (NumberFormatException notADimension) {
                return null;
            }
            if (shape[i] < 0) return null;
            n = Math.multiplyHigh(n, shape[i]) != 0 ? Long.MAX_VALUE : n * shape[i];
        }
        if (n > budget / dtype.bytes()) return null;
        return new StoredTensor(dtype, shape, new byte[(int) (n * dtype.bytes())]);
    }
}
