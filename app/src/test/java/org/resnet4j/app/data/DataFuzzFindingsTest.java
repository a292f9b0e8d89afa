package org.resnet4j.app.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The IDX reader's allocation bound, tightened while fuzzing it (fuzz inputs are too small to reach
 * it): a gzip file's header may not declare more than the stream could inflate to.
 */
class DataFuzzFindingsTest {
    @TempDir
    Path dir;

    /** 64 MiB of zeros gzip to ~64 KiB; the header says 2^62 bytes: refused after the header, not after inflating it all. */
    @Test
    void aGzipHeaderDeclaringMoreThanTheStreamCanHoldIsRefusedBeforeInflating() throws IOException {
        byte[] raw = TestFiles.idx(new int[] {65536, 65536, 65536, 65536}, new byte[64 << 20]);
        Path f = dir.resolve("bomb-idx4-ubyte.gz");
        byte[] gz = TestFiles.gzip(raw);
        Files.write(f, gz);
        assertThatThrownBy(() -> IdxReader.read(f))
                .isInstanceOf(DataFileException.class)
                .hasMessage(f + ": expected at most " + (1032L * gz.length + 1024) + " bytes once decompressed (deflate expands at most "
                        + "1032-fold, and one Java array holds at most 2147483639) but found a header whose dimensions declare at least "
                        + ((1L << 62) + 20) + " bytes (damaged; download the file again)");
    }

    /** The bound lets every file a gzip stream can really hold through: 1000-fold compressible images read. */
    @Test
    void aHighlyCompressibleButHonestFileStillReads() throws IOException {
        byte[] px = new byte[100 * 64 * 64];
        Path f = dir.resolve("zeros-idx3-ubyte.gz");
        Files.write(f, TestFiles.gzip(TestFiles.idx(new int[] {100, 64, 64}, px)));
        assertThat(Files.size(f) * 100).isLessThan(px.length); // over 100-fold
        assertThat(IdxReader.read(f).dims()).containsExactly(100, 64, 64);
    }
}
