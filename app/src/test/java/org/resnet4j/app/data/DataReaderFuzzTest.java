package org.resnet4j.app.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded mutation fuzzing of the IDX (raw and gzip) and CIFAR-10 readers: every mutant either reads as
 * a consistent data set or fails with a {@link DataFileException} naming the file, what was expected
 * and what was found; never an index, negative-size or out-of-memory error, never a hang.
 */
class DataReaderFuzzTest {
    @TempDir
    Path dir;

    static byte[] images() {
        byte[] px = new byte[5 * 4 * 3];
        for (int i = 0; i < px.length; i++) px[i] = (byte) (i * 37);
        return TestFiles.idx(new int[] {5, 4, 3}, px);
    }

    /** Reads {@code bytes} as an IDX image file and as a label file; returns how many of the two were refused. */
    int readIdxCleanly(byte[] bytes, String what) throws IOException {
        Path f = dir.resolve("x-idx3-ubyte");
        Files.write(f, bytes);
        int refused = 0;
        try {
            int[] shape = new int[3];
            float[] im = IdxReader.readImages(f, shape);
            assertThat((long) shape[0] * shape[1] * shape[2]).as(what).isEqualTo(im.length);
        } catch (DataFileException e) {
            assertThat(e.getMessage()).as(what).startsWith(f + ": expected ").contains(" but found ");
            refused++;
        } catch (RuntimeException | Error e) {
            throw new AssertionError(what + ": " + e, e);
        }
        try {
            int[] labels = IdxReader.readLabels(f, 10);
            assertThat(Arrays.stream(labels).allMatch(l -> l >= 0 && l < 10)).as(what).isTrue();
        } catch (DataFileException e) {
            assertThat(e.getMessage()).as(what).startsWith(f + ": expected ").contains(" but found ");
            refused++;
        } catch (RuntimeException | Error e) {
            throw new AssertionError(what + ": " + e, e);
        }
        return refused;
    }

    @Test
    void idxTruncatedAtEveryLengthRawAndGzip() throws IOException {
        byte[] good = images();
        byte[] gz = TestFiles.gzip(good);
        for (int len = 0; len < good.length; len++) {
            assertThat(readIdxCleanly(Arrays.copyOf(good, len), "raw truncated to " + len)).isEqualTo(2);
        }
        for (int len = 2; len < gz.length; len++) {
            assertThat(readIdxCleanly(Arrays.copyOf(gz, len), "gzip truncated to " + len)).isEqualTo(2);
        }
    }

    @Test
    void idxRandomMutationsRawAndGzip() {
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            byte[] good = images();
            SplittableRandom rnd = new SplittableRandom(61);
            for (int i = 0; i < 600; i++) {
                byte[] b = good.clone();
                // the header (first 16 bytes) is where the structure lives: aim most mutations there
                for (int k = 1 + rnd.nextInt(3); k > 0; k--) {
                    int at = rnd.nextInt(4) > 0 ? rnd.nextInt(16) : rnd.nextInt(b.length);
                    b[at] = rnd.nextBoolean() ? (byte) (b[at] ^ (1 << rnd.nextInt(8))) : (byte) rnd.nextInt(256);
                }
                if (rnd.nextInt(5) == 0) b = Arrays.copyOf(b, b.length + rnd.nextInt(-8, 9));
                readIdxCleanly(b, "raw mutant " + i);
                byte[] gz = TestFiles.gzip(b);
                if (rnd.nextInt(3) == 0) gz[10 + rnd.nextInt(gz.length - 10)] ^= (byte) (1 << rnd.nextInt(8));
                readIdxCleanly(gz, "gzip mutant " + i);
            }
        });
    }

    static byte[] header(int type, int... dims) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length);
        b.put((byte) 0).put((byte) 0).put((byte) type).put((byte) dims.length);
        for (int d : dims) b.putInt(d);
        return b.array();
    }

    Path idxFile(byte[] bytes) throws IOException {
        Path f = dir.resolve("t-idx-ubyte");
        Files.write(f, bytes);
        return f;
    }

    @Test
    void idxHeaderFieldsNameExpectedAndFound() throws IOException {
        assertThatThrownBy(() -> IdxReader.read(idxFile(header(0x08))))
                .isInstanceOf(DataFileException.class).hasMessageContaining("1 to 4 IDX dimensions").hasMessageContaining("found 0 dimensions");
        assertThatThrownBy(() -> IdxReader.read(idxFile(header(0x08, 1, 1, 1, 1, 1))))
                .isInstanceOf(DataFileException.class).hasMessageContaining("found 5 dimensions");
        assertThatThrownBy(() -> IdxReader.read(idxFile(header(0x0D, 1))))
                .isInstanceOf(DataFileException.class).hasMessageContaining("type 0x0d");
        assertThatThrownBy(() -> IdxReader.read(idxFile(header(0x08, 3, -1, 2))))
                .isInstanceOf(DataFileException.class).hasMessageContaining("dimension 1 = -1");
        assertThatThrownBy(() -> IdxReader.read(idxFile(header(0x08, 0))))
                .isInstanceOf(DataFileException.class).hasMessageContaining("dimension 0 = 0");
        assertThatThrownBy(() -> IdxReader.read(idxFile(header(0x08, Integer.MAX_VALUE, Integer.MAX_VALUE))))
                .isInstanceOf(DataFileException.class).hasMessageContaining("truncated or corrupt");
        byte[] tooLong = Arrays.copyOf(TestFiles.idx(new int[] {2}, new byte[] {1, 2}), 11);
        assertThatThrownBy(() -> IdxReader.read(idxFile(tooLong)))
                .isInstanceOf(DataFileException.class).hasMessageContaining("10 bytes").hasMessageContaining("found 11 bytes");
    }

    @Test
    void idxDimensionsWhoseProductWrapsAroundAreRefused() throws IOException {
        // 65536^4 = 2^64 wrapped to 0 in a long, which matched a file with no data bytes at all
        Path f = idxFile(header(0x08, 65536, 65536, 65536, 65536));
        assertThatThrownBy(() -> IdxReader.read(f)).isInstanceOf(DataFileException.class)
                .hasMessageContaining(f.toString()).hasMessageContaining("[65536, 65536, 65536, 65536]")
                .hasMessageContaining("found 20 bytes");
        // 2^16 * 2^16 * 2^16 * 2^16 + 1 data byte... and a product that wraps to exactly the data's length
        byte[] wrapsTo3 = TestFiles.idx(new int[] {3}, new byte[] {1, 2, 3});
        byte[] h = header(0x08, 65536, 65536, 65536, 65536);
        byte[] b = Arrays.copyOf(h, h.length + 3);
        assertThatThrownBy(() -> IdxReader.read(idxFile(b))).isInstanceOf(DataFileException.class)
                .hasMessageContaining("found 23 bytes");
        assertThat(IdxReader.read(idxFile(wrapsTo3)).data()).containsExactly(1, 2, 3);
    }

    @Test
    void gzipThatInflatesFarBeyondItsDimensionsStopsEarly() throws IOException {
        // 2 declared data bytes followed by 64 MiB of zeros: refused without inflating it all
        byte[] bomb = new byte[64 << 20];
        System.arraycopy(TestFiles.idx(new int[] {2}, new byte[] {1, 2}), 0, bomb, 0, 10);
        Path f = dir.resolve("bomb-idx1-ubyte.gz");
        Files.write(f, TestFiles.gzip(bomb));
        assertThat(Files.size(f)).isLessThan(1 << 20);
        assertThatThrownBy(() -> IdxReader.read(f)).isInstanceOf(DataFileException.class)
                .hasMessageContaining(f.toString()).hasMessageContaining("10 bytes").hasMessageContaining("more");
        // a header that is no IDX at all stops inflating too, and is named as such
        bomb[0] = 'P';
        Files.write(f, TestFiles.gzip(bomb));
        assertThatThrownBy(() -> IdxReader.read(f)).isInstanceOf(DataFileException.class)
                .hasMessageContaining("IDX magic bytes 00 00").hasMessageContaining("50 00");
    }

    @Test
    void labelsOutOfRangeAndGzipGarbage() throws IOException {
        Path f = idxFile(TestFiles.gzip(TestFiles.idx(new int[] {3}, new byte[] {1, (byte) 255, 2})));
        assertThatThrownBy(() -> IdxReader.readLabels(f, 10)).isInstanceOf(DataFileException.class)
                .hasMessageContaining("labels in [0, 10)").hasMessageContaining("label 255 at index 1");
        byte[] notGzip = {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3};
        assertThatThrownBy(() -> IdxReader.read(idxFile(notGzip))).isInstanceOf(DataFileException.class)
                .hasMessageContaining("a complete gzip stream");
        byte[] magicOnly = {0x1f, (byte) 0x8b};
        assertThatThrownBy(() -> IdxReader.read(idxFile(magicOnly))).isInstanceOf(DataFileException.class)
                .hasMessageContaining("gzip");
    }

    @Test
    void cifarMutationsOfLabelsAndSizes() throws IOException {
        byte[] good = TestFiles.cifar(2);
        Path f = dir.resolve("data_batch_1.bin");
        SplittableRandom rnd = new SplittableRandom(10);
        for (int i = 0; i < 60; i++) {
            byte[] b = good.clone();
            b[rnd.nextBoolean() ? 0 : Cifar10Reader.RECORD] = (byte) rnd.nextInt(256);
            int delta = rnd.nextInt(3) == 0 ? rnd.nextInt(-5, 6) : 0;
            b = Arrays.copyOf(b, b.length + delta);
            Files.write(f, b);
            try {
                Dataset d = Cifar10Reader.read(List.of(f));
                assertThat(Arrays.stream(d.labels()).allMatch(l -> l >= 0 && l < 10)).isTrue();
                assertThat(delta).isZero();
            } catch (DataFileException e) {
                assertThat(e.getMessage()).startsWith(f + ": expected ").containsAnyOf("labels in [0, 10)", "multiple of 3073");
            }
        }
        Files.write(f, new byte[0]);
        assertThatThrownBy(() -> Cifar10Reader.read(List.of(f))).isInstanceOf(DataFileException.class).hasMessageContaining("found 0 bytes");
        assertThatThrownBy(() -> Cifar10Reader.read(List.of(dir.resolve("nope.bin")))).isInstanceOf(IOException.class)
                .hasMessageContaining("nope.bin");
        assertThatThrownBy(() -> Cifar10Reader.read(List.of())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no CIFAR-10 batch files");
    }

    @Test
    void cifarFilesTooLargeForOneArrayAreRefusedBeforeReading() throws IOException {
        // a sparse file of 699051 records: 699051 * 3072 pixels overflow an int (NegativeArraySizeException before)
        Path f = dir.resolve("data_batch_1.bin");
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.setLength(699_051L * Cifar10Reader.RECORD);
        }
        assertThatThrownBy(() -> Cifar10Reader.read(List.of(f))).isInstanceOf(DataFileException.class)
                .hasMessageContaining("699051 images").hasMessageContaining("at most 699050");
    }
}
