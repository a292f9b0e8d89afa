package org.resnet4j.ops.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFileTest {
    @TempDir
    Path dir;

    /** Passes the first {@code limit} bytes through, then fails as a full disk or a killed process would. */
    static final class CrashingStream extends FilterOutputStream {
        private long left;

        CrashingStream(OutputStream out, long limit) {
            super(out);
            this.left = limit;
        }

        @Override
        public void write(int b) throws IOException {
            if (left-- <= 0) throw new IOException("simulated crash");
            out.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            for (int i = 0; i < len; i++) write(b[off + i]);
        }
    }

    @Test
    void aSaveThatFailsMidwayLeavesThePreviousFileIntact() throws IOException {
        Path target = dir.resolve("model.safetensors");
        Map<String, StoredTensor> v1 = Map.of("w", StoredTensor.ofFloats(new float[] {1, 2, 3}, 3));
        SafeTensors.write(target, v1);
        byte[] before = Files.readAllBytes(target);

        Map<String, StoredTensor> v2 = new LinkedHashMap<>();
        v2.put("w", StoredTensor.ofFloats(new float[1000], 1000));
        assertThatThrownBy(() -> AtomicFile.write(target,
                out -> SafeTensors.writeTo(new CrashingStream(out, 1500), v2, Map.of())))
                .hasMessageContaining("simulated crash");

        assertThat(Files.readAllBytes(target)).isEqualTo(before);
        assertThat(SafeTensors.read(target).tensors()).isEqualTo(v1);
        assertThat(dir.toFile().list()).as("no temporary file left behind").containsExactly("model.safetensors");
    }

    @Test
    void aSuccessfulSaveReplacesTheFile() throws IOException {
        Path target = dir.resolve("x.bin");
        AtomicFile.write(target, out -> out.write(new byte[] {1, 2}));
        AtomicFile.write(target, out -> out.write(new byte[] {3}));
        assertThat(Files.readAllBytes(target)).containsExactly(3);
        assertThat(dir.toFile().list()).containsExactly("x.bin");
    }

    @Test
    void aMissingFolderIsAClearError() {
        Path target = dir.resolve("no/such/folder/x.bin");
        assertThatThrownBy(() -> AtomicFile.write(target, out -> {})).hasMessageContaining("does not exist");
    }

    @Test
    void aSavedFileGetsTheSamePermissionsAsAnyNewFile() throws IOException {
        Path plain = Files.createFile(dir.resolve("plain.bin"));
        Path saved = dir.resolve("saved.bin");
        AtomicFile.write(saved, out -> out.write(1));
        assertThat(Files.getPosixFilePermissions(saved)).isEqualTo(Files.getPosixFilePermissions(plain));
    }
}
