package org.resnet4j.app.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxReaderTest {
    @TempDir Path dir;

    @Test
    void readsRawAndGzipIdentically() throws Exception {
        TestFiles.writeIdxSet(dir.resolve("raw"), "train", 5, 4, 3, 10, false);
        TestFiles.writeIdxSet(dir.resolve("gz"), "train", 5, 4, 3, 10, true);
        int[] s1 = new int[3], s2 = new int[3];
        float[] a = IdxReader.readImages(dir.resolve("raw/train-images-idx3-ubyte"), s1);
        float[] b = IdxReader.readImages(dir.resolve("gz/train-images-idx3-ubyte.gz"), s2);
        assertThat(s1).containsExactly(5, 4, 3);
        assertThat(s2).containsExactly(5, 4, 3);
        assertThat(b).containsExactly(a);
        // pixel (i=2, k=5) = (2*7 + 5) / 255
        assertThat(a[2 * 12 + 5]).isEqualTo(19 / 255f);
        assertThat(IdxReader.readLabels(dir.resolve("gz/train-labels-idx1-ubyte.gz"), 10)).containsExactly(0, 1, 2, 3, 4);
    }

    @Test
    void gzipIsDetectedByMagicNotByName() throws Exception {
        Path f = dir.resolve("labels-without-suffix");
        Files.write(f, TestFiles.gzip(TestFiles.idx(new int[] {3}, new byte[] {1, 2, 3})));
        assertThat(IdxReader.readLabels(f, 10)).containsExactly(1, 2, 3);
    }

    @Test
    void badMagicNamesTheFile() throws Exception {
        Path f = dir.resolve("bad");
        Files.write(f, new byte[] {'P', 'K', 3, 4, 0, 0, 0, 0});
        assertThatThrownBy(() -> IdxReader.read(f)).isInstanceOf(DataFileException.class)
                .hasMessageContaining(f.toString()).hasMessageContaining("magic").hasMessageContaining("50 4b");
    }

    @Test
    void wrongElementType() throws Exception {
        Path f = dir.resolve("floats");
        byte[] b = TestFiles.idx(new int[] {1}, new byte[] {0, 0, 0, 0});
        b[2] = 0x0D;
        Files.write(f, b);
        assertThatThrownBy(() -> IdxReader.read(f)).hasMessageContaining("0x08").hasMessageContaining("0x0d");
    }

    @Test
    void truncatedFileSaysExpectedAndActualSize() throws Exception {
        byte[] full = TestFiles.idx(new int[] {2, 2, 2}, new byte[8]);
        Path f = dir.resolve("short");
        Files.write(f, java.util.Arrays.copyOf(full, full.length - 3));
        assertThatThrownBy(() -> IdxReader.read(f)).hasMessageContaining("24 bytes").hasMessageContaining("21 bytes")
                .hasMessageContaining(f.toString());
    }

    @Test
    void truncatedGzipStream() throws Exception {
        byte[] gz = TestFiles.gzip(TestFiles.idx(new int[] {100}, new byte[100]));
        Path f = dir.resolve("cut.gz");
        Files.write(f, java.util.Arrays.copyOf(gz, gz.length / 2));
        assertThatThrownBy(() -> IdxReader.read(f)).isInstanceOf(DataFileException.class).hasMessageContaining("gzip");
    }

    @Test
    void labelOutOfRange() throws Exception {
        Path f = dir.resolve("labels");
        Files.write(f, TestFiles.idx(new int[] {3}, new byte[] {0, 12, 1}));
        assertThatThrownBy(() -> IdxReader.readLabels(f, 10)).hasMessageContaining("[0, 10)")
                .hasMessageContaining("label 12 at index 1");
    }

    @Test
    void wrongRankForImagesAndLabels() throws Exception {
        Path lab = dir.resolve("labels");
        Files.write(lab, TestFiles.idx(new int[] {3}, new byte[3]));
        assertThatThrownBy(() -> IdxReader.readImages(lab, new int[3])).hasMessageContaining("3 dimensions")
                .hasMessageContaining("1 dimensions");
        Path im = dir.resolve("images");
        Files.write(im, TestFiles.idx(new int[] {1, 2, 2}, new byte[4]));
        assertThatThrownBy(() -> IdxReader.readLabels(im, 10)).hasMessageContaining("1 dimension");
    }

    @Test
    void labelCountMustMatchImageCount() throws Exception {
        TestFiles.writeIdxSet(dir, "t10k", 4, 2, 2, 10, false);
        Files.write(dir.resolve("t10k-labels-idx1-ubyte"), TestFiles.idx(new int[] {3}, new byte[3]));
        assertThatThrownBy(() -> DataSets.load(dir, DataFormat.IDX, false)).hasMessageContaining("4 labels")
                .hasMessageContaining("found 3 labels");
    }

    @Test
    void missingFileNamed() {
        assertThatThrownBy(() -> IdxReader.read(dir.resolve("nope"))).hasMessageContaining("nope");
    }
}
